import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintPaths } from '../../src/lint/run.js';
import { loadTemplates } from '../../src/template/load.js';

const run = promisify(execFile);
const bin = new URL('../../bin/imagegate', import.meta.url).pathname;
const fixtures = new URL('../fixtures/lint/policies', import.meta.url).pathname;

interface Json {
  findings: { policy: string; file: string; line: number; column: number }[];
}

/** The built CLI over a large tree must report exactly what the library path does. */
describe('lint over many templates', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'imagegate-lint-many-'));
    // 5 copies of every policy fixture (bad and good), beside a file that is not a template.
    for (let i = 0; i < 5; i++) cpSync(fixtures, join(dir, `copy-${i}`), { recursive: true });
    writeFileSync(join(dir, 'README.md'), 'not a template\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the CLI finds the same findings, in the same order, as lintPaths', async () => {
    const inProcess = await lintPaths([dir]);
    expect(inProcess.templates.length).toBeGreaterThan(64);
    const cli = await run(bin, ['lint', '--format', 'json', dir]).then(
      (r) => r.stdout,
      (e: { code: number; stdout: string }) => {
        expect(e.code).toBe(inProcess.summary.exitCode);
        return e.stdout;
      },
    );
    const parsed = JSON.parse(cli) as Json;
    const key = (f: Json['findings'][number]) => `${f.file}:${f.line}:${f.column} ${f.policy}`;
    expect(parsed.findings.map(key)).toEqual(inProcess.findings.map(key));
  });

  it('loading keeps input order, repeats included', async () => {
    const a = join(fixtures, 'manifest-missing/bad.pkr.hcl');
    const b = join(fixtures, 'manifest-missing/good.pkr.hcl');
    const templates = await loadTemplates([b, a, b]);
    expect(templates.map((t) => t.path)).toEqual([b, a, b]);
  });
});
