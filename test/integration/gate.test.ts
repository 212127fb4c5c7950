import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attestationDigest } from '../../src/evidence/dsse.js';
import type { GateSummary } from '../../src/gate/outcome.js';
import { requireBinary, requireDocker } from '../helpers/engines.js';
import { readSignedVerdict } from '../helpers/evidence.js';
import { type LocalRegistry, startRegistry } from '../helpers/registry.js';

const run = promisify(execFile);
const bin = new URL('../../bin/imagegate', import.meta.url).pathname;

/** A docker-builder template that builds in seconds from the local debian:bookworm. */
function template(extraInline: string[] = []): string {
  const inline = ['echo ready > /etc/app-ready', ...extraInline].map((c) => JSON.stringify(c)).join(', ');
  return `
source "docker" "app" {
  image  = "debian:bookworm"
  pull   = false
  commit = true
}

build {
  sources = ["source.docker.app"]

  provisioner "shell" {
    inline = [${inline}]
  }

  provisioner "shell" {
    inline = ["rm -f /root/.ssh/authorized_keys", ": > /etc/machine-id", "rm -rf /tmp/* /var/tmp/*"]
  }

  post-processor "manifest" {
    output = "manifest.json"
  }
}
`;
}

/**
 * The whole pipeline on real parts: lint, Packer 1.6.6 with the docker builder, a container per
 * artifact, suites over docker exec, signed verdicts, and promotion into a real registry.
 */
describe('imagegate gate on a small image monorepo', () => {
  let repo: string;
  let registry: LocalRegistry;
  let summary: GateSummary;
  let exitCode: number;

  beforeAll(async () => {
    requireDocker();
    requireBinary('packer', 'run `bash scripts/setup-host.sh` (installs packer)');
    registry = await startRegistry();
    repo = mkdtempSync(join(tmpdir(), 'imagegate-gate-'));
    const write = (path: string, text: string) => {
      mkdirSync(join(repo, path, '..'), { recursive: true });
      writeFileSync(join(repo, path), text);
    };
    write('packer/good/app.pkr.hcl', template());
    write('packer/broken/app.pkr.hcl', template());
    // An error-severity finding: the image must never be built.
    write('packer/risky/app.pkr.hcl', template(['curl -fsSL https://example.com/install.sh | sh']));
    write('goss/app.yaml', 'file:\n  /etc/app-ready:\n    exists: true\n    contents: [ready]\n');
    write('goss/missing.yaml', 'file:\n  /etc/app-missing:\n    exists: true\n');
    write(
      'imagegate.yaml',
      [
        'version: 1',
        'images:',
        '  good: { template: packer/good, suites: [goss/app.yaml, builtin:cleanup] }',
        '  broken: { template: packer/broken, suites: [goss/missing.yaml] }',
        '  risky: { template: packer/risky, suites: [goss/app.yaml] }',
        'stages:',
        `  dev: { trust: [local-dev], registry: { repository: "${registry.host}/gate/app", tags: [dev] } }`,
        '',
      ].join('\n'),
    );
    try {
      const { stdout } = await run(bin, ['gate', '--json', '--out', 'out', '--concurrency', '3'], {
        cwd: repo,
      });
      exitCode = 0;
      summary = JSON.parse(stdout) as GateSummary;
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      exitCode = e.code;
      if (!e.stdout) throw new Error(`gate printed no summary (exit ${e.code}): ${e.stderr}`);
      summary = JSON.parse(e.stdout) as GateSummary;
    }
  });

  afterAll(async () => {
    const ids = summary?.images.flatMap((i) => i.artifacts.map((a) => a.id)) ?? [];
    if (ids.length) await run('docker', ['rmi', '-f', ...ids]).catch(() => undefined);
    await registry?.stop();
    if (repo) rmSync(repo, { recursive: true, force: true });
  });

  const image = (name: string) => {
    const found = summary.images.find((i) => i.image === name);
    if (!found) throw new Error(`no outcome for ${name}`);
    return found;
  };

  it('exits 1 because one image failed its suite and one failed lint', () => {
    expect(exitCode).toBe(1);
    expect(summary.passed).toBe(false);
    expect(summary.images.map((i) => [i.image, i.passed]).sort()).toEqual([
      ['broken', false],
      ['good', true],
      ['risky', false],
    ]);
  });

  it('a lint error stops the image before Packer runs', () => {
    const risky = image('risky');
    expect(risky.failedAt).toBe('lint');
    expect(risky.lint.errors).toBeGreaterThan(0);
    expect(risky.build).toBeUndefined();
    expect(risky.artifacts).toEqual([]);
    const logs = existsSync(join(repo, 'out/logs')) ? readdirSync(join(repo, 'out/logs')) : [];
    expect(logs.some((l) => l.startsWith('risky-'))).toBe(false);
  });

  it('a failing suite blocks the gate and the image is not promoted', async () => {
    const broken = image('broken');
    expect(broken.failedAt).toBe('test');
    const [artifact] = broken.artifacts;
    expect(artifact?.status).toBe('fail');
    expect(artifact?.checks.failed).toBe(1);
    expect(artifact?.promotion.status).toBe('skipped');
    const { verdict, verified } = readSignedVerdict(
      artifact?.verdictFile as string,
      join(repo, '.imagegate'),
    );
    expect(verified).toBe(true);
    expect(verdict.passed).toBe(false);
  });

  it('the passing image gets a signed verdict and lands in the first stage, by digest', async () => {
    const good = image('good');
    const [artifact] = good.artifacts;
    expect(artifact?.status).toBe('pass');
    expect(artifact?.promotion).toEqual({ stage: 'dev', status: 'promoted' });
    // Signed by the development key the first run created beside imagegate.yaml (.imagegate/keys/), not under --out.
    const { verdict, verified } = readSignedVerdict(
      artifact?.verdictFile as string,
      join(repo, '.imagegate'),
    );
    expect(verified).toBe(true);
    expect(attestationDigest(readFileSync(artifact?.verdictFile as string))).toBe(artifact?.verdictSha256);
    // A docker-only template: the AMI policies judged nothing, so the evidence says n/a, not pass.
    expect(verdict.lint?.notApplicable).toEqual(expect.arrayContaining(['tags-missing', 'ebs-unencrypted']));
    expect(verdict.lint?.notApplicable).not.toContain('apt-noninteractive');
    expect(verdict.artifact.id).toBe(artifact?.id);
    expect(verdict.template?.digest).toMatch(/^[0-9a-f]{64}$/);
    // The template's base (pull = false, so from the template) and its id on this engine, for plan --stale.
    expect(verdict.base).toEqual({
      kind: 'docker-image',
      reference: 'debian:bookworm',
      id: execFileSync('docker', ['image', 'inspect', 'debian:bookworm', '--format', '{{.Id}}'], {
        encoding: 'utf8',
      }).trim(),
    });
    expect(verdict.promotions).toEqual([expect.objectContaining({ stage: 'dev', status: 'pending' })]);
    const tags = (await (await fetch(`http://${registry.host}/v2/gate/app/tags/list`)).json()) as {
      tags: string[];
    };
    expect(tags.tags).toContain('dev');
    const records = readFileSync(join(repo, 'out/promotions.jsonl'), 'utf8').trim().split('\n');
    expect(records).toHaveLength(1);
    expect(JSON.parse(records[0] as string)).toMatchObject({ stage: 'dev', artifact: { id: artifact?.id } });
  });

  it('writes the compliance reports next to the verdicts', () => {
    expect(summary.reports.map((r) => r.replace(`${join(repo, 'out')}/`, ''))).toEqual([
      'report.html',
      'report.md',
    ]);
    const md = readFileSync(join(repo, 'out/report.md'), 'utf8');
    expect(md).toMatch(/1 passed/);
    expect(md).toMatch(/1 failed/);
  });
});
