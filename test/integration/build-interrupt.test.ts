import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../helpers/engines.js';

const bin = new URL('../../bin/imagegate', import.meta.url).pathname;

/**
 * A real Packer 1.6.6 build that stays inside a shell-local provisioner until it is interrupted.
 * The null builder needs no engine, so the only moving parts are imagegate, Packer and the shell.
 * `marker` proves the provisioner started; the unique sleep argument lets us look for leftovers.
 */
function slowTemplate(marker: string, sleepArg: string): string {
  return `
source "null" "slow" {
  communicator = "none"
}

build {
  sources = ["source.null.slow"]

  provisioner "shell-local" {
    inline = ["echo streamed-before-sleep", "touch ${marker}", "sleep ${sleepArg}"]
  }
}
`;
}

/** Processes whose command line is exactly `sleep ARG` (ours, started by the provisioner). */
function sleepers(arg: string): number {
  const r = spawnSync('pgrep', ['-xf', `sleep ${arg}`], { encoding: 'utf8' });
  return r.stdout.trim() ? r.stdout.trim().split('\n').length : 0;
}

describe('an interrupted Packer build', () => {
  let repo: string;

  beforeAll(() => {
    requireBinary('packer', 'run `bash scripts/setup-host.sh` (installs packer)');
    requireBinary('pgrep', 'install procps');
    repo = mkdtempSync(join(tmpdir(), 'imagegate-interrupt-'));
  });

  afterAll(() => {
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  async function interrupt(
    command: string[],
    name: string,
    signal: 'SIGINT' | 'SIGTERM',
    whileRunning?: (stderr: () => string) => Promise<void>,
  ): Promise<{ code: number | null; stdout: string; stderr: string; sleepArg: string }> {
    const dir = join(repo, name);
    // A random duration no other process on the machine is sleeping.
    const sleepArg = String(40_000 + Math.floor(Math.random() * 9_000));
    const marker = join(dir, 'provisioner-started');
    mkdirSync(join(dir, 'packer/slow'), { recursive: true });
    writeFileSync(join(dir, 'packer/slow/slow.pkr.hcl'), slowTemplate(marker, sleepArg));
    writeFileSync(join(dir, 'goss.yaml'), 'file:\n  /etc/hostname:\n    exists: true\n');
    writeFileSync(
      join(dir, 'imagegate.yaml'),
      'version: 1\nimages:\n  slow: { template: packer/slow, suites: [goss.yaml] }\n',
    );
    const child = spawn(bin, command, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 90_000;
    while (!existsSync(marker) || sleepers(sleepArg) === 0) {
      if (Date.now() > deadline)
        throw new Error(`the provisioner never started:\n${stderr.slice(-2000)}\n${stdout.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await whileRunning?.(() => stderr);
    child.kill(signal);
    const code = await exited;
    return { code, stdout, stderr, sleepArg };
  }

  it('`build` on Ctrl-C: exit 130, the image is reported interrupted, never built, Packer cleaned up', async () => {
    const r = await interrupt(['build'], 'build-int', 'SIGINT');
    expect(r.code, r.stderr).toBe(130);
    // Progress lines go to stderr: the build's row ends as interrupted, never as built.
    const rows = r.stderr.split('\n').filter((l) => l.includes('null.slow'));
    expect(rows.length, r.stderr).toBeGreaterThan(0);
    expect(
      rows.some((l) => /\bbuilt\b/.test(l)),
      r.stderr,
    ).toBe(false);
    expect(rows.at(-1), r.stderr).toMatch(/\b(interrupted|failed)\b/);
    expect(r.stdout).toMatch(/^slow: interrupted in /m);
    expect(r.stdout).not.toMatch(/artifact\(s\)/);
    // Packer stopped its provisioner: nothing of the build keeps running.
    expect(sleepers(r.sleepArg)).toBe(0);
  });

  it('`build` on SIGTERM exits 143', async () => {
    const r = await interrupt(['build'], 'build-term', 'SIGTERM');
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).not.toMatch(/null\.slow built\b/);
    expect(sleepers(r.sleepArg)).toBe(0);
  });

  it('`build -v` streams provisioner output while the provisioner is still running', async () => {
    const r = await interrupt(['build', '-v'], 'build-verbose', 'SIGINT', async (stderr) => {
      const deadline = Date.now() + 30_000;
      while (!/\] slow null\.slow \| streamed-before-sleep$/m.test(stderr())) {
        if (Date.now() > deadline) throw new Error(`no streamed output while building:\n${stderr()}`);
        await new Promise((res) => setTimeout(res, 200));
      }
    });
    expect(r.code, r.stderr).toBe(130);
    // Without -v the same line stays in the log only.
    const quiet = await interrupt(['build'], 'build-not-verbose', 'SIGINT');
    expect(quiet.stderr).not.toContain('streamed-before-sleep');
  });

  it('`gate` interrupted during the build exits 130, not GATE FAILED', async () => {
    const r = await interrupt(['gate', '--out', 'out'], 'gate-int', 'SIGINT');
    expect(r.code, r.stderr).toBe(130);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/GATE FAILED/);
    expect(r.stderr).toMatch(/interrupted by SIGINT/);
    expect(sleepers(r.sleepArg)).toBe(0);
  });
});
