import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary, requireDocker } from '../helpers/engines.js';

const run = promisify(execFile);
const bin = new URL('../../bin/imagegate', import.meta.url).pathname;

/** A docker build that writes a file and then fails in its provisioner. */
const FAILING = `
source "docker" "app" {
  image  = "debian:bookworm"
  pull   = false
  commit = true
}

build {
  sources = ["source.docker.app"]

  provisioner "shell" {
    inline = ["echo half-built > /state", "echo 'E: Unable to locate package nope' >&2", "exit 100"]
  }
}
`;

const exists = (id: string) => spawnSync('docker', ['inspect', id], { stdio: 'ignore' }).status === 0;

describe('imagegate build --keep-on-error', () => {
  let repo: string;
  const leftovers: string[] = [];

  beforeAll(() => {
    requireDocker();
    requireBinary('packer', 'run `bash scripts/setup-host.sh` (installs packer)');
    repo = mkdtempSync(join(tmpdir(), 'imagegate-keep-'));
    mkdirSync(join(repo, 'packer/app'), { recursive: true });
    writeFileSync(join(repo, 'packer/app/app.pkr.hcl'), FAILING);
    writeFileSync(join(repo, 'imagegate.yaml'), 'version: 1\nimages:\n  app: { template: packer/app }\n');
  });

  afterAll(() => {
    for (const id of leftovers) spawnSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  async function build(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const r = await run(bin, ['build', ...args], { cwd: repo, env: { ...process.env, CI: '' } });
      return { code: 0, ...r };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('keeps the failed build container and prints how to look inside and remove it; those commands work', async () => {
    const r = await build(['--keep-on-error', '--log-dir', 'logs-kept']);
    expect(r.code, r.stderr).toBe(1);
    const kept = /kept for inspection: docker container ([0-9a-f]{12})/.exec(r.stdout)?.[1];
    expect(kept, r.stdout).toBeDefined();
    leftovers.push(kept!);
    expect(r.stdout).toContain(`look inside: docker exec -it ${kept} /bin/sh`);
    expect(r.stdout).toContain(`remove it:   docker rm -f ${kept}`);
    // What the provisioner did before failing is there to inspect.
    const inside = spawnSync('docker', ['exec', kept!, 'cat', '/state'], { encoding: 'utf8' });
    expect(inside.stdout.trim()).toBe('half-built');
    // The printed remove command removes it.
    const removeLine = r.stdout.split('\n').find((l) => l.includes('remove it:'))!;
    const argv = removeLine.replace(/^.*remove it:\s+/, '').split(/\s+/);
    expect(argv.slice(0, 3)).toEqual(['docker', 'rm', '-f']);
    expect(spawnSync(argv[0]!, argv.slice(1)).status).toBe(0);
    expect(exists(kept!)).toBe(false);
  });

  it('without it, Packer cleans up: the container it started is gone', async () => {
    const r = await build(['--log-dir', 'logs-clean']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).not.toContain('kept for inspection');
    const log = readFileSync(join(repo, 'logs-clean', readdir(join(repo, 'logs-clean'))), 'utf8');
    const id = /Container ID: ([0-9a-f]{64})/.exec(log)?.[1];
    expect(id, log).toBeDefined();
    if (exists(id!)) leftovers.push(id!);
    expect(exists(id!)).toBe(false);
  });
});

/** The human-readable log (not the machine-readable one) the build wrote in `dir`. */
function readdir(dir: string): string {
  const name = readdirSync(dir).find((n) => n.endsWith('.log') && !n.endsWith('.machine.log'));
  if (!name) throw new Error(`no human-readable build log in ${dir}`);
  return name;
}
