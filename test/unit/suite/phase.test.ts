import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSuite } from '../../../src/suite/load.js';
import { checkPhase } from '../../../src/suite/phase.js';
import { runSuites } from '../../../src/suite/run.js';
import type { Transport } from '../../../src/suite/transport.js';

// `matching` checks are judged locally, so these runs need no target at all.
const SUITE = `matching:
  always:
    content: 1
    matches: 1
  boot-only:
    content: 1
    matches: 2
    meta: { imagegate: { when: boot } }
  live-only:
    content: 1
    matches: 3
    meta: { imagegate: { when: live } }
`;

const noTarget: Transport = {
  exec: () => Promise.reject(new Error('matching checks must not reach the target')),
  close: () => Promise.resolve(),
  describe: () => 'none',
} as unknown as Transport;

async function load(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'imagegate-phase-'));
  writeFileSync(join(dir, 'goss.yaml'), text);
  return loadSuite(join(dir, 'goss.yaml'), {});
}

function byId(results: { 'resource-id': string; result: number; 'summary-line': string }[]) {
  return Object.fromEntries(results.map((r) => [r['resource-id'], r]));
}

describe('boot-only and live-only checks (meta.imagegate.when)', () => {
  it('drift (live) skips boot-only checks with the reason, and runs live-only ones', async () => {
    const { run } = await runSuites([await load(SUITE)], noTarget, { phase: 'live' });
    const r = byId(run.results);
    expect(r.always?.result).toBe(0);
    expect(r['boot-only']?.result).toBe(2);
    expect(r['boot-only']?.['summary-line']).toMatch(/skipped \(boot-only check/);
    expect(r['live-only']?.result).toBe(1);
    expect(run.summary['skipped-count']).toBe(1);
  });

  it('test/gate (boot) skips live-only checks, and runs boot-only ones', async () => {
    const { run } = await runSuites([await load(SUITE)], noTarget, { phase: 'boot' });
    const r = byId(run.results);
    expect(r['boot-only']?.result).toBe(1);
    expect(r['live-only']?.result).toBe(2);
    expect(r['live-only']?.['summary-line']).toMatch(/live-only check/);
  });

  it('validate (no phase) runs every check, as goss does', async () => {
    const { run } = await runSuites([await load(SUITE)], noTarget);
    expect(run.summary['skipped-count']).toBe(0);
    expect(run.summary['failed-count']).toBe(2);
  });

  it('a misspelt phase is a suite error naming file and line', async () => {
    const suite = await load(
      'matching:\n  x:\n    content: 1\n    matches: 1\n    meta: { imagegate: { when: boto } }\n',
    );
    const spec = suite.resources[0]!;
    expect(() => checkPhase(spec)).toThrow(
      /goss\.yaml:2: meta\.imagegate\.when is "boto": expected boot or live/,
    );
    await expect(runSuites([suite], noTarget, { phase: 'live' })).rejects.toThrow(/expected boot or live/);
  });
});
