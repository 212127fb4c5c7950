import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../helpers/engines.js';

/**
 * imagegate as a user installs it: `npm pack`, the tarball installed globally into a fresh
 * prefix, then run from a directory that has nothing to do with this checkout.
 */
const repo = resolve(import.meta.dirname, '../..');
let bin: string;
let project: string;

beforeAll(() => {
  requireDocker();
  const work = mkdtempSync(join(tmpdir(), 'imagegate-install-'));
  // dist/ is what `npm test` just built; packing must not rebuild it (npm pack runs `prepare`)
  // while other test projects are running the CLI from it.
  if (!existsSync(join(repo, 'dist', 'cli', 'main.js')))
    throw new Error('dist/ is missing: run `npm run build` first');
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--silent'], {
    cwd: repo,
    stdio: 'pipe',
  });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack wrote no tarball');
  const prefix = join(work, 'prefix');
  execFileSync(
    'npm',
    [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(work, tarball),
    ],
    { stdio: 'pipe', timeout: 300_000 },
  );
  bin = join(prefix, 'bin', 'imagegate');
  // The user's own repository: the example monorepo, copied away from this checkout.
  project = join(work, 'repo');
  cpSync(join(repo, 'examples'), project, { recursive: true });
}, 400_000);

function imagegate(args: string[]) {
  const r = spawnSync(bin, args, { cwd: project, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('installed from the npm tarball', () => {
  it('prints its version (no commit: an installed package is not a checkout)', () => {
    const r = imagegate(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('ships its policies and suites: lint and the built-in suite list work from another directory', () => {
    const lint = imagegate(['lint', '.']);
    expect(lint.stderr).toBe('');
    expect(lint.code).toBe(0);
    expect(imagegate(['lint', '--list-policies']).stdout).toMatch(/remote-script-piped/);
  });

  it('gates an image of the user repository end to end', () => {
    const r = imagegate(['gate', 'worker', '--no-promote', '--out', join(project, '.imagegate')]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/GATE PASSED: 1\/1 image\(s\) passed/);
  });
});
