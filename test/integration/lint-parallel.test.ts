import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintPaths } from '../../src/lint/run.js';
import { loadTemplates } from '../../src/template/load-many.js';

const run = promisify(execFile);
const bin = new URL('../../bin/imagegate', import.meta.url).pathname;
const fixtures = new URL('../fixtures/lint/policies', import.meta.url).pathname;

interface Json {
  findings: { policy: string; file: string; line: number; column: number }[];
}

/**
 * Large lint runs parse on worker threads (compiled code only: vitest runs the sources, which
 * always parse in-process). The built CLI must report exactly what the in-process path does.
 */
describe('lint over many templates with worker threads', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'imagegate-lint-many-'));
    // 5 copies of every policy fixture (bad and good): > 64 templates, the parallel threshold.
    for (let i = 0; i < 5; i++) cpSync(fixtures, join(dir, `copy-${i}`), { recursive: true });
    writeFileSync(join(dir, 'README.md'), 'not a template\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the same findings, in the same order, as the in-process path', async () => {
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

  it('in-process loading keeps input order', async () => {
    const a = join(fixtures, 'manifest-missing/bad.pkr.hcl');
    const b = join(fixtures, 'manifest-missing/good.pkr.hcl');
    const templates = await loadTemplates([b, a, b]);
    expect(templates.map((t) => t.path)).toEqual([b, a, b]);
  });
});
