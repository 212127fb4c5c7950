import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyHost, summarise } from '../../../src/drift/classify.js';
import type { DriftReport } from '../../../src/drift/model.js';
import { fleetHtml, fleetMarkdown, loadFleet } from '../../../src/report/compliance/fleet.js';

const dir = mkdtempSync(join(tmpdir(), 'imagegate-fleet-'));

function driftFile(): string {
  const hosts = [
    classifyHost({ host: { name: 'web-1', target: 'docker://a', source: 'label' } }),
    classifyHost({
      host: { name: 'web-<2>', target: 'docker://b', source: 'label' },
      image: { kind: 'docker-image', id: 'sha256:1', reference: 'web|1' },
      comparison: {
        drifted: [
          { type: 'File', id: '/etc/app.conf', property: 'contents', was: 'passed at promotion', now: 'x' },
        ],
        unverified: [],
        skipped: [],
      },
    }),
    classifyHost({
      host: { name: 'db-1', target: 'ssh://a@b', source: 'inventory' },
      refused: 'no verdict for image sha256:9',
    }),
  ];
  const report: DriftReport = {
    schema: 'imagegate.drift/v1',
    at: '2026-12-05T06:17:00.000Z',
    hosts,
    summary: summarise(hosts),
  };
  const file = join(dir, 'drift.json');
  writeFileSync(file, JSON.stringify(report));
  return file;
}

describe('report fleet section (--drift FILE)', () => {
  it('reads a drift report: hosts, findings, drifted checks and reasons', () => {
    const f = loadFleet(driftFile());
    expect(f.summary).toMatchObject({ hosts: 3, ok: 1, drift: 1, unpromoted: 1 });
    expect(f.hosts.map((h) => [h.host, h.findings, h.drifted, h.reasons])).toEqual([
      ['web-1', [], [], []],
      ['web-<2>', ['drift'], ['File: /etc/app.conf: contents'], []],
      ['db-1', ['unpromoted'], [], ['no verdict for image sha256:9']],
    ]);
  });

  it('renders hosts × drift in markdown and HTML, escaping what came from hosts', () => {
    const f = loadFleet(driftFile());
    const text = fleetMarkdown([f]);
    expect(text).toMatch(/### Fleet \(drift\)/);
    expect(text).toMatch(/3 hosts checked .*: 1 ok, 1 drifted, 1 unpromoted/);
    expect(text).toContain('| web-&lt;2&gt; | drift | web\\|1 | File: /etc/app.conf: contents |');
    const page = fleetHtml([f]);
    expect(page).toContain('<td class="mono">web-&lt;2&gt;</td><td>drift</td>');
    expect(page).not.toContain('web-<2>');
  });

  it('a file that is not a drift report is bad input naming it', () => {
    const bad = join(dir, 'verdict.json');
    writeFileSync(bad, '{"schema":"imagegate.verdict/v1"}');
    expect(() => loadFleet(bad)).toThrow(/--drift .*verdict\.json: not a drift report/);
    writeFileSync(bad, '{');
    expect(() => loadFleet(bad)).toThrow(/not valid JSON/);
    expect(() => loadFleet(join(dir, 'missing.json'))).toThrow(
      /--drift .*missing\.json: no such file or directory$/,
    );
  });
});
