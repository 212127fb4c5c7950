import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../helpers/engines.js';
import { readSignedVerdict } from '../helpers/evidence.js';

const bin = new URL('../../bin/imagegate', import.meta.url).pathname;
const fixtures = new URL('../fixtures/targets/', import.meta.url).pathname;
const suite = (name: string) => join(fixtures, 'suites', `${name}.yaml`);
const runPrefix = `it-${process.pid}-${Date.now()}`;
let out: string;
const bystanders: string[] = [];

function imagegate(args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    const stdout = execFileSync(bin, args, {
      encoding: 'utf8',
      stdio: 'pipe',
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Like imagegate() but keeps stderr of a successful run too. */
function spawnSyncText(args: string[]) {
  const r = spawnSync(bin, args, { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function containersOf(runId: string): string[] {
  return execFileSync('docker', ['ps', '-aq', '--filter', `label=imagegate:run-id=${runId}`], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Start `imagegate test` on the slow suite and wait until its container is busy running it. */
async function startSlowTest(
  runId: string,
  extra: string[] = [],
): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const child = spawn(
    bin,
    ['test', 'debian:bookworm', '-g', suite('slow'), '--out', out, '--run-id', runId, ...extra],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))),
  );
  await waitFor(`imagegate test (${runId}) to run its suite`, () => stderr.includes('running '));
  expect(containersOf(runId)).toHaveLength(1);
  return { child, exited };
}

beforeAll(() => {
  requireDocker();
  out = mkdtempSync(join(tmpdir(), 'imagegate-verdicts-'));
});

afterAll(() => {
  const leftovers = execFileSync('docker', ['ps', '-aq', '--filter', 'label=imagegate-test=test-command'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  // Bystanders carry the test label; `docker ps -q` ids are all short, so the set dedupes.
  const ours = [...leftovers];
  for (const name of ['pass', 'fail', 'svc', 'manifest', 'crash', 'term', 'kill', 'other'])
    ours.push(...containersOf(runId(name)));
  if (ours.length) execFileSync('docker', ['rm', '-f', ...new Set(ours)], { stdio: 'ignore' });
  rmSync(out, { recursive: true, force: true });
});

function runId(name: string): string {
  return `${runPrefix}-${name}`;
}

describe('imagegate test (docker)', () => {
  it('passes, writes a sealed verdict and removes its container', () => {
    const r = imagegate([
      'test',
      'debian:bookworm',
      '-g',
      suite('pass'),
      '--out',
      out,
      '--run-id',
      runId('pass'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PASS debian:bookworm \(sha256:[0-9a-f]{64}\): 3 checks, 0 failed/);
    const file = /verdict: (\S+)/.exec(r.stdout)![1]!;
    const { verdict, verified } = readSignedVerdict(
      file,
      join(process.cwd(), '.imagegate'),
      join(fixtures, '.imagegate'),
    );
    expect(verified).toBe(true);
    expect(verdict).toMatchObject({
      passed: true,
      artifact: { kind: 'docker-image', reference: 'debian:bookworm' },
    });
    expect(verdict.target).toMatchObject({ kind: 'docker', keptAlive: true });
    expect(verdict.suites[0]!.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(containersOf(runId('pass'))).toEqual([]);
  });

  it('fails with exit 1 on a failed check, still tearing down', () => {
    const r = imagegate([
      'test',
      'debian:bookworm',
      '-g',
      suite('fail'),
      '--out',
      out,
      '--run-id',
      runId('fail'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL debian:bookworm');
    expect(r.stdout).toContain('/opt/app/config.yaml: exists');
    expect(containersOf(runId('fail'))).toEqual([]);
  });

  it('boots with the configured command, waits for readiness, injects boot-time secrets without recording them', () => {
    const r = imagegate(
      [
        'test',
        'debian:bookworm',
        '--config',
        join(fixtures, 'imagegate.yaml'),
        '--image',
        'svc',
        '-g',
        suite('fail'),
        '--out',
        out,
        '--run-id',
        runId('svc'),
        '--json',
      ],
      { IMAGEGATE_TEST_APP_TOKEN: 's3cr3t-v4lu' },
    );
    expect(r.code).toBe(1);
    const [result] = JSON.parse(r.stdout) as { file: string; status: string }[];
    const { verdict } = readSignedVerdict(
      result!.file,
      join(process.cwd(), '.imagegate'),
      join(fixtures, '.imagegate'),
    );
    const names = verdict.suites.map((s) => s.name);
    expect(names[0]).toMatch(/^readiness:.*ready\.yaml$/);
    const service = verdict.suites.find((s) => s.name.endsWith('service.yaml'))!;
    expect(service.run.summary['failed-count']).toBe(0);
    expect(verdict.target).toMatchObject({
      keptAlive: false,
      env: { MODE: 'test' },
      envFromNames: ['APP_TOKEN'],
    });
    // The failing suite makes the container's own output part of the evidence.
    expect(verdict.logs).toContain('service up');
    expect(JSON.stringify(verdict)).not.toContain('s3cr3t-v4lu');
    expect(containersOf(runId('svc'))).toEqual([]);
  });

  it('tests every docker build of a Packer manifest and says which builds it skipped', () => {
    const id = execFileSync('docker', ['image', 'inspect', '-f', '{{.Id}}', 'debian:bookworm'], {
      encoding: 'utf8',
    }).trim();
    const manifest = join(out, 'manifest.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        builds: [
          { name: 'base', builder_type: 'docker', artifact_id: id, packer_run_uuid: 'r2', files: null },
          { name: 'disk', builder_type: 'qemu', artifact_id: 'VM', packer_run_uuid: 'r2' },
        ],
        last_run_uuid: 'r2',
      }),
    );
    const child = spawnSyncText([
      'test',
      manifest,
      '-g',
      suite('pass'),
      '--out',
      out,
      '--run-id',
      runId('manifest'),
    ]);
    expect(child.code).toBe(0);
    expect(child.stdout).toContain(`PASS ${manifest}#0 (${id})`);
    expect(child.stderr).toContain('builds[1] (disk, builder qemu) cannot be booted here; skipped');
  });

  it('fails the image (exit 1) at once when its service crashes at boot, with its log on the terminal', () => {
    const r = imagegate([
      'test',
      'debian:bookworm',
      '--config',
      join(fixtures, 'imagegate.yaml'),
      '--image',
      'crash',
      '-g',
      suite('pass'),
      '--out',
      out,
      '--run-id',
      runId('crash'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL debian:bookworm/);
    expect(r.stdout).toContain(
      'container for debian:bookworm exited at boot with status 3: fatal: /etc/app.conf missing',
    );
    const { verdict } = readSignedVerdict(
      /verdict: (\S+)/.exec(r.stdout)![1]!,
      join(process.cwd(), '.imagegate'),
      join(fixtures, '.imagegate'),
    );
    expect(verdict).toMatchObject({ passed: false, suites: [] });
    expect(verdict.logs).toContain('fatal: /etc/app.conf missing');
    expect(containersOf(runId('crash'))).toEqual([]);
  });

  it('a service that dies while readiness waits fails at once as the image, not "not ready"', () => {
    const r = imagegate([
      'test',
      'debian:bookworm',
      '--config',
      join(fixtures, 'imagegate.yaml'),
      '--image',
      'late-crash',
      '-g',
      suite('pass'),
      '--out',
      out,
      '--run-id',
      runId('late'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('the service exited with status 4 while being tested');
    expect(r.stdout).toContain('out of memory, giving up');
    expect(r.stdout).not.toContain('not ready');
    expect(containersOf(runId('late'))).toEqual([]);
  });

  it('keeps every boot-time secret out of the verdict, the terminal and the report', () => {
    const secret = 'tok-9f8e7d6c5b4a';
    const r = imagegate(
      [
        'test',
        'debian:bookworm',
        '--config',
        join(fixtures, 'imagegate.yaml'),
        '--image',
        'leaky',
        '--out',
        out,
        '--run-id',
        runId('leaky'),
      ],
      { IMAGEGATE_TEST_LEAKY_TOKEN: secret },
    );
    // The suite fails on purpose so the container log and the matcher output are recorded.
    expect(r.code).toBe(1);
    const file = /verdict: (\S+)/.exec(r.stdout)![1]!;
    const { verdict } = readSignedVerdict(
      file,
      join(process.cwd(), '.imagegate'),
      join(fixtures, '.imagegate'),
    );
    expect(verdict.logs).toContain('token is [REDACTED]');
    expect(JSON.stringify(verdict)).not.toContain(secret);
    expect(r.stdout + r.stderr).not.toContain(secret);
    // The report counts the verdict when a stage trusts the key `test` signed it with.
    const trusting = join(out, 'trusting.yaml');
    writeFileSync(
      trusting,
      `stages:\n  dev:\n    trust: [{ publicKey: "${join(fixtures, '.imagegate', 'keys', 'dev-signing.key.pub')}" }]\n    registry: { repository: r.example/leaky }\n`,
    );
    for (const format of ['markdown', 'json', 'junit', 'html']) {
      const report = imagegate([
        'report',
        file,
        '--config',
        trusting,
        '--format',
        format,
        '--out',
        join(out, `leaky.${format}`),
      ]);
      expect(report.code).toBe(0);
      expect(readFileSync(join(out, `leaky.${format}`), 'utf8')).not.toContain(secret);
    }
  });

  it('rejects bad input with exit 2 and a one-line message', () => {
    const missing = imagegate(['test', 'imagegate-no-such-image:1', '-g', suite('pass'), '--out', out]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(/^imagegate: "imagegate-no-such-image:1": no such docker image/);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const noSuites = imagegate(['test', 'debian:bookworm', '--out', out]);
    expect(noSuites).toMatchObject({ code: 2 });
    expect(noSuites.stderr).toContain('no suites to run');
    const ami = imagegate(['test', 'ami-0123456789abcdef0', '-g', suite('pass')], {
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
    });
    expect(ami.stderr).toContain('which region? pass --region');
  });
});

describe('teardown on signals, sweep after a crash', () => {
  it('tears down within seconds on SIGTERM and exits 143', async () => {
    const { child, exited } = await startSlowTest(runId('term'));
    const sent = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(containersOf(runId('term'))).toEqual([]);
  });

  it('leaves its container after kill -9; sweep --apply removes it and nothing else', async () => {
    const mine = runId('kill');
    const other = runId('other');
    const { child, exited } = await startSlowTest(mine, ['--ttl', '1s']);
    child.kill('SIGKILL');
    await exited;
    expect(containersOf(mine)).toHaveLength(1);
    // Bystanders: same run id but not marked ephemeral; and a live ephemeral container of another run.
    const run = (labels: string[]) =>
      execFileSync(
        'docker',
        ['run', '-d', ...labels.flatMap((l) => ['--label', l]), 'debian:bookworm', 'sleep', '600'],
        {
          encoding: 'utf8',
        },
      ).trim();
    bystanders.push(
      run(['imagegate-test=test-command', `imagegate:run-id=${mine}`]),
      run(['imagegate-test=test-command', `imagegate:run-id=${mine}`, 'imagegate:ephemeral=false']),
      run([
        'imagegate-test=test-command',
        'imagegate:ephemeral=true',
        `imagegate:run-id=${other}`,
        `imagegate:created-at=${new Date().toISOString()}`,
        'imagegate:ttl=7200',
      ]),
    );
    await new Promise((r) => setTimeout(r, 1100));

    const dry = imagegate(['sweep', '--run-id', mine, '--run-id', other]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/expired container .* run .*-kill: age \d+s \(would remove\)/);
    expect(dry.stdout).toMatch(/keep {4}container .* run .*-other: age \d+s is within ttl 7200s/);
    expect(containersOf(mine).length).toBe(3);

    const swept = imagegate(['sweep', '--apply', '--run-id', mine, '--run-id', other]);
    expect(swept.code).toBe(0);
    expect(swept.stdout).toContain('1 of 1 expired resources removed');
    const left = containersOf(mine);
    expect(left).toHaveLength(2);
    expect(bystanders.slice(0, 2).every((id) => left.some((l) => id.startsWith(l)))).toBe(true);
    expect(containersOf(other)).toHaveLength(1);
    expect(readdirSync(out).some((f) => f.includes('tmp'))).toBe(false);
  });
});
