import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCollector, parseCollected } from '../../../../src/suite/collector.js';
import { loadSuite } from '../../../../src/suite/load.js';
import type { ResourceSpec } from '../../../../src/suite/model.js';
import { effectiveSpec } from '../../../../src/suite/resources/api.js';
import { RESOURCES } from '../../../../src/suite/resources/index.js';
import { evaluateResource } from '../../../../src/suite/run.js';

/** Loads a suite and runs it in a local sh, as `validate` does for the local target. */
async function runLocal(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'ig-keyattr-'));
  writeFileSync(join(dir, 'goss.yaml'), yaml);
  const suite = await loadSuite(join(dir, 'goss.yaml'));
  const items = suite.resources.map((spec, i) => ({ id: `r${i}`, spec }));
  const c = buildCollector(items);
  const frames = parseCollected(execFileSync('sh', ['-s'], { input: c.script, encoding: 'utf8' }), c);
  return items.flatMap(({ id, spec }) => {
    const def = RESOURCES[spec.type];
    return evaluateResource(spec, def.facts(effectiveSpec(def, spec as ResourceSpec), id, frames));
  });
}

describe("goss's key-override attributes", () => {
  it('check what the attribute names and report "KEY: OVERRIDE" as goss does', async () => {
    const results = await runLocal(
      [
        'file:',
        '  passwd-file:',
        '    path: /etc/passwd',
        '    exists: true',
        '    filetype: file',
        'user:',
        '  superuser:',
        '    username: root',
        '    exists: true',
        '    uid: 0',
        'group:',
        '  rootgroup:',
        '    groupname: root',
        '    exists: true',
        'kernel-param:',
        '  max-pid:',
        '    name: kernel.pid_max',
        '    value: {not: ""}',
        'matching:',
        '  lines:',
        '    content: "a\\nb\\n"',
        '    as-reader: true',
        '    matches: ["a", "b"]',
        '  text:',
        '    content: "a\\nb\\n"',
        '    as-reader: true',
        '    matches: {have-suffix: "b\\n"}',
        '',
      ].join('\n'),
    );
    expect(results.map((r) => [r['resource-id'], r.property, r.result])).toEqual([
      ['passwd-file: /etc/passwd', 'exists', 0],
      ['passwd-file: /etc/passwd', 'filetype', 0],
      ['rootgroup: root', 'exists', 0],
      ['max-pid: kernel.pid_max', 'value', 0],
      ['lines', 'matches', 0],
      ['text', 'matches', 0],
      ['superuser: root', 'exists', 0],
      ['superuser: root', 'uid', 0],
    ]);
  });
});
