import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * `imagegate test` (built CLI) refuses a suite that checks nothing before it boots anything:
 * exit 2 and one line naming file:line, instead of "PASS, 0 checks" and a promotable verdict.
 */
const bin = new URL('../../bin/imagegate', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'imagegate-test-suites-'));

function test(suite: string, text: string) {
  const file = join(work, suite);
  writeFileSync(file, text);
  const r = spawnSync(bin, ['test', 'imagegate-never-pulled:latest', '-g', file], {
    encoding: 'utf8',
    timeout: 60_000,
    cwd: work,
  });
  return { code: r.status, lines: r.stderr.split('\n').filter((l) => l.startsWith('imagegate:')) };
}

describe('imagegate test: a suite that checks nothing fails the test', () => {
  it('a misspelt attribute is refused with file:line:col', () => {
    const r = test('typo.yaml', 'port:\n  tcp:22:\n    listen: true\n');
    expect(r.code).toBe(2);
    expect(r.lines).toEqual([
      'imagegate: typo.yaml:3:5: invalid gossfile: port.tcp:22.listen: unknown attribute for port (did you mean "listening"?)',
    ]);
  });

  it('a suite with zero tests is refused', () => {
    const r = test('empty.yaml', '# TODO\n');
    expect(r.code).toBe(2);
    expect(r.lines[0]).toMatch(/^imagegate: empty\.yaml:1: found 0 tests/);
  });
});
