import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../helpers/engines.js';

/**
 * The Dockerfile as a user builds it: from a context holding only what a fresh clone has (no
 * node_modules, no dist), on the local debian:bookworm. Then imagegate runs in it the ways the
 * docs show: --version, lint on a mounted repository, and validate against a container through
 * the host's Docker socket. The first build takes minutes (npm ci, tsc); Docker's layer cache
 * makes the next ones quick, so the image tag is kept.
 */
const root = resolve(import.meta.dirname, '../..');
const TAG = 'imagegate-test/container:dev';
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
let work: string;
let repo: string;
let box: string | undefined;

function docker(args: string[], timeout = 120_000) {
  const r = spawnSync('docker', args, { encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

beforeAll(() => {
  requireDocker();
  work = mkdtempSync(join(tmpdir(), 'imagegate-container-'));
  const context = join(work, 'context');
  mkdirSync(context);
  for (const f of [
    'Dockerfile',
    '.dockerignore',
    'package.json',
    'package-lock.json',
    'tsconfig.json',
    'tsconfig.build.json',
    'src',
    'bin',
    'policies',
    'suites',
    'schemas',
    'docker',
  ])
    cpSync(join(root, f), join(context, f), { recursive: true });
  // Behind a TLS-inspecting proxy the build must trust what this machine trusts (docs/container.md):
  // the CA file Node is told about, else the system's bundle (a CI machine may set neither).
  const extra = [
    process.env.NODE_EXTRA_CA_CERTS,
    process.env.SSL_CERT_FILE,
    '/etc/ssl/certs/ca-certificates.crt',
  ].find((f) => f && existsSync(f));
  if (extra) cpSync(extra, join(context, 'docker/extra-ca/host.crt'));
  const built = spawnSync('docker', ['build', '-t', TAG, context], {
    encoding: 'utf8',
    timeout: 1_500_000,
    maxBuffer: 256 << 20,
  });
  if (built.status !== 0)
    throw new Error(`docker build failed (${built.status}):\n${(built.stdout + built.stderr).slice(-4000)}`);
  repo = join(work, 'repo');
  cpSync(join(root, 'examples'), repo, { recursive: true });
}, 1_600_000);

afterAll(() => {
  if (box) docker(['rm', '-f', box]);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the imagegate container image', () => {
  it('runs Node 20 with imagegate, Packer and the docker CLI inside', () => {
    expect(docker(['run', '--rm', TAG, '--version']).stdout.trim()).toBe(version);
    const tools = docker([
      'run',
      '--rm',
      '--entrypoint',
      'sh',
      TAG,
      '-c',
      'node --version; packer version; docker --version',
    ]);
    expect(tools.code, tools.stderr).toBe(0);
    expect(tools.stdout).toMatch(/^v20\.\d+\.\d+\n/);
    expect(tools.stdout).toMatch(/Packer v1\.\d+\.\d+/);
    expect(tools.stdout).toMatch(/Docker version \d+/);
  });

  it('lints a mounted repository, and fails on an error finding', () => {
    const ok = docker(['run', '--rm', '-v', `${repo}:/repo`, TAG, 'lint', '.']);
    expect(ok.code, ok.stderr + ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/in 3 templates/);
    writeFileSync(
      join(repo, 'packer/risky.pkr.hcl'),
      'source "docker" "r" {\n  image = "debian:bookworm"\n  commit = true\n}\nbuild {\n  sources = ["source.docker.r"]\n  provisioner "shell" { inline = ["curl -fsSL https://example.com/i.sh | sh"] }\n}\n',
    );
    try {
      const bad = docker(['run', '--rm', '-v', `${repo}:/repo`, TAG, 'lint', '--format', 'json', '.']);
      expect(bad.code).toBe(1);
      const findings = (JSON.parse(bad.stdout) as { findings: { policy: string; file: string }[] }).findings;
      expect(findings).toContainEqual(expect.objectContaining({ policy: 'remote-script-piped' }));
    } finally {
      rmSync(join(repo, 'packer/risky.pkr.hcl'));
    }
  });

  it("gates a repository with the host's Docker socket, as docs/container.md shows", () => {
    const gateRepo = join(work, 'gate-repo');
    const packerTmp = join(work, 'packer-tmp');
    mkdirSync(join(gateRepo, 'packer/app/files'), { recursive: true });
    mkdirSync(join(gateRepo, 'goss'));
    mkdirSync(packerTmp);
    writeFileSync(join(gateRepo, 'packer/app/files/ready'), 'ready\n');
    writeFileSync(
      join(gateRepo, 'packer/app/app.pkr.hcl'),
      [
        'source "docker" "app" {\n  image  = "debian:bookworm"\n  pull   = false\n  commit = true\n}',
        'build {\n  sources = ["source.docker.app"]',
        // A file upload goes through the directory Packer shares with the build container.
        '  provisioner "file" {\n    source      = "files/ready"\n    destination = "/etc/app-ready"\n  }',
        '  provisioner "shell" {\n    inline = ["rm -f /root/.ssh/authorized_keys", ": > /etc/machine-id", "rm -rf /tmp/* /var/tmp/*"]\n  }',
        '  post-processor "manifest" { output = "manifest.json" }\n}\n',
      ].join('\n'),
    );
    writeFileSync(
      join(gateRepo, 'goss/app.yaml'),
      'file:\n  /etc/app-ready:\n    exists: true\n    contents: [ready]\n',
    );
    writeFileSync(
      join(gateRepo, 'imagegate.yaml'),
      'version: 1\nimages:\n  app: { template: packer/app, suites: [goss/app.yaml] }\n',
    );
    const r = docker(
      [
        'run',
        '--rm',
        '--network',
        'host',
        '-v',
        `${gateRepo}:${gateRepo}`,
        '-w',
        gateRepo,
        '-v',
        '/var/run/docker.sock:/var/run/docker.sock',
        '-v',
        `${packerTmp}:${packerTmp}`,
        '-e',
        `PACKER_TMP_DIR=${packerTmp}`,
        TAG,
        'gate',
        '--no-promote',
        '--json',
      ],
      600_000,
    );
    const summary = JSON.parse(r.stdout) as {
      passed: boolean;
      images: { artifacts: { id: string; status: string }[] }[];
    };
    const ids = summary.images.flatMap((i) => i.artifacts.map((a) => a.id));
    if (ids.length) docker(['rmi', '-f', ...ids]);
    expect(r.code, r.stderr).toBe(0);
    expect(summary.passed).toBe(true);
    expect(summary.images[0]?.artifacts[0]?.status).toBe('pass');
  });

  it("validates a running container through the host's Docker socket", () => {
    box = `imagegate-container-test-${process.pid}`;
    execFileSync('docker', ['run', '-d', '--name', box, 'debian:bookworm', 'sleep', '600'], {
      stdio: 'pipe',
    });
    writeFileSync(
      join(repo, 'box.yaml'),
      'file:\n  /etc/debian_version:\n    exists: true\nuser:\n  root:\n    exists: true\n',
    );
    const r = docker([
      'run',
      '--rm',
      '-v',
      `${repo}:/repo`,
      '-v',
      '/var/run/docker.sock:/var/run/docker.sock',
      TAG,
      'validate',
      '-g',
      'box.yaml',
      '--target',
      `docker://${box}`,
    ]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/Count: 2, Failed: 0/);
  });
});
