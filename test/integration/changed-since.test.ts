import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = new URL('../../bin/imagegate', import.meta.url).pathname;
const examples = new URL('../../examples', import.meta.url).pathname;

/** The example monorepo in a throwaway git repository, so history can be made up freely. */
describe('plan --changed-since in a real git repository', () => {
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: 'pipe' });
  const plan = (ref: string) =>
    JSON.parse(
      execFileSync(bin, ['plan', '--json', '--changed-since', ref], { cwd: repo, encoding: 'utf8' }),
    ) as {
      images: string[];
    };

  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'imagegate-changes-'));
    cpSync(examples, repo, { recursive: true });
    git('init', '-q');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'add', '.');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'base');
    git('tag', 'base');
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('selects nothing when nothing changed', () => {
    expect(plan('base').images).toEqual([]);
  });

  it('a file uploaded by a provisioner selects only its image', () => {
    writeFileSync(join(repo, 'packer/web/files/index.html'), '<h1>changed</h1>\n');
    expect(plan('base').images).toEqual(['web']);
    git('checkout', '--', '.');
  });

  it('the shared cleanup script (referenced by path from both templates) selects both', () => {
    writeFileSync(join(repo, 'scripts/cleanup.sh'), '#!/bin/sh\ntrue\n');
    expect(plan('base').images).toEqual(['web', 'worker']);
    git('checkout', '--', '.');
  });

  it('a suite selects its image; an untracked file outside every input selects nothing', () => {
    writeFileSync(join(repo, 'goss/worker.yaml'), 'user:\n  worker:\n    exists: true\n');
    writeFileSync(join(repo, 'NOTES.md'), 'unrelated\n');
    expect(plan('base').images).toEqual(['worker']);
    git('checkout', '--', '.');
    rmSync(join(repo, 'NOTES.md'));
  });

  it('an unknown ref is a one-line error with exit 2', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(bin, ['plan', '--json', '--changed-since', 'no-such-ref'], { cwd: repo, stdio: 'pipe' });
    } catch (err) {
      const e = err as { status: number; stderr: Buffer };
      status = e.status;
      stderr = e.stderr.toString();
    }
    expect(status).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/no-such-ref: no such commit/);
  });
});
