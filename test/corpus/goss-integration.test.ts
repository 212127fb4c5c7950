import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register } from '../../src/cli/validate.js';
import { runCommand } from '../helpers/cli.js';
import { requireDocker } from '../helpers/engines.js';

/**
 * goss's own integration suite (integration-tests/goss/ at tag v0.4.10: bullseye/goss.yaml, the
 * shared suite and everything they include), loaded unchanged by `imagegate validate` and run
 * against a container built here with the packages and services goss's Dockerfile_bullseye
 * installs (test/fixtures/goss-integration/Dockerfile, on bookworm), beside a stand-in for the
 * httpbin service the suite calls. It is run as goss's integration-tests/test.sh runs it: the
 * same vars file, inline vars and OS, after goss's own wait suite. goss's files stay out of
 * this repository: point IMAGEGATE_GOSS_REPO at a checkout of goss v0.4.10
 * (docs/goss-compatibility.md, "goss's own integration suite").
 */
const repo = process.env.IMAGEGATE_GOSS_REPO ?? '';
const suiteDir = join(repo, 'integration-tests', 'goss');
if (!repo || !existsSync(join(suiteDir, 'bullseye', 'goss.yaml')))
  throw new Error(
    'IMAGEGATE_GOSS_REPO must name a checkout of goss v0.4.10: ' +
      'git clone --depth 1 -b v0.4.10 https://github.com/goss-org/goss /tmp/goss && ' +
      'IMAGEGATE_GOSS_REPO=/tmp/goss npm run test:corpus',
  );

/** goss's test.sh: `--vars-inline "{inline: bar, overwrite: bar}"` and `--env OS=$os`. */
const OS = 'bullseye';
const VARS_INLINE = '{inline: bar, overwrite: bar}';

/**
 * Checks that fail or may fail here for a reason outside imagegate, each with why. Everything
 * else must pass (or be skipped by the suite itself), and each `fails` entry must really fail,
 * so this list cannot go stale unnoticed.
 */
const DIFFERENCES: Record<string, { outcome: 'fails' | 'may fail'; why: string; error?: RegExp }> = {
  'Package: apache2: versions': {
    outcome: 'fails',
    why: "goss pins bullseye's apache2 (2.4.67-1~deb11u2) in vars.yaml; this image is bookworm's",
  },
  'DNS: PTR:54.243.154.1: resolvable': {
    outcome: 'may fail',
    why: 'asks 8.8.8.8, on the internet: passes only where the machine running the test reaches it',
    error: /8\.8\.8\.8:53/,
  },
};

/** goss's own count for this suite (test.sh: `Count: 127, Failed: 0, Skipped: 5`). */
const GOSS_COUNT = 127;
/** Skipped by the suite itself: skip: true on skippable, commandskip and /does/not/exist. */
const SUITE_SKIPS = [
  'Service: skippable: enabled',
  'Service: skippable: running',
  'Command: commandskip: exit-status',
  'File: /does/not/exist: exists',
  'File: /does/not/exist: contents',
];

const dockerfile = readFileSync(new URL('../fixtures/goss-integration/Dockerfile', import.meta.url), 'utf8');
const standin = new URL('../helpers/httpbin-standin.mjs', import.meta.url).pathname;
const run = randomBytes(4).toString('hex');
const names = { net: `ig-gossint-${run}`, httpbin: `ig-gossint-httpbin-${run}`, target: `ig-gossint-${run}` };

const docker = (...args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: 'pipe' }).trim();

/** Built once per Dockerfile content and kept, as the sshd test image is: apt takes minutes. */
function image(): string {
  const tag = `imagegate-test/goss-integration:${createHash('sha256').update(dockerfile).digest('hex').slice(0, 12)}`;
  if (spawnSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' }).status !== 0)
    execFileSync('docker', ['build', '-q', '-t', tag, '-'], {
      input: dockerfile,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
  return tag;
}

/**
 * A bridge network in 172.16.0.0/12, as goss's (172.19.0.0/16): the suite expects eth0's
 * address to begin with "172.". The first free /16 is taken, so parallel runs do not collide.
 */
function network(): void {
  for (let n = 19; n <= 31; n++) {
    const r = spawnSync('docker', ['network', 'create', '--subnet', `172.${n}.0.0/16`, names.net], {
      stdio: 'pipe',
    });
    if (r.status === 0) return;
  }
  throw new Error('no free 172.N.0.0/16 subnet for the test network (N in 19..31)');
}

interface GossJson {
  summary: { 'test-count': number; 'failed-count': number; 'skipped-count': number };
  results: {
    'summary-line': string;
    'resource-type': string;
    'resource-id': string;
    property: string;
    result: number;
    err: string | null;
  }[];
}

async function validate(...args: string[]): Promise<{ stdout: string; exitCode: number }> {
  process.exitCode = 0;
  const r = await runCommand(register, 'validate', [...args, '--target', `docker://${names.target}`]);
  process.exitCode = 0;
  return r;
}

/** goss's `Type: id: property`, the start of each summary line. */
const key = (r: GossJson['results'][number]) =>
  `${r['resource-type']}: ${r['resource-id']}: ${r.property.replace(/^./, (c) => c.toLowerCase())}`;

let out: GossJson;

beforeAll(async () => {
  requireDocker();
  const tag = image();
  network();
  // This machine's node runs the stand-in: debian:bookworm has the libraries it links.
  docker(
    'run',
    '-d',
    '--name',
    names.httpbin,
    '--network',
    names.net,
    '--network-alias',
    'httpbin',
    '-v',
    `${process.execPath}:/usr/local/bin/node:ro`,
    '-v',
    `${standin}:/srv/httpbin.mjs:ro`,
    'debian:bookworm',
    'node',
    '/srv/httpbin.mjs',
  );
  // As goss's test.sh, with two differences: no --privileged (SYS_PTRACE is what is needed: the
  // dnsmasq script's `status` reads /proc/PID/exe of a daemon running as another user), and
  // goss's dnsmasq.conf mounted where its Dockerfile copies it.
  docker(
    'run',
    '-d',
    '--name',
    names.target,
    '--network',
    names.net,
    '--cap-add',
    'SYS_PTRACE',
    '--env',
    `OS=${OS}`,
    '-v',
    `${suiteDir}:/goss:ro`,
    '-v',
    `${join(repo, 'integration-tests', 'dnsmasq.conf')}:/etc/dnsmasq.conf:ro`,
    tag,
  );
  process.env.OS = OS;
  const wait = await validate('-g', join(suiteDir, 'goss-wait.yaml'), '-r', '20s', '-s', '100ms');
  if (wait.exitCode !== 0) throw new Error(`services did not come up:\n${wait.stdout}`);
  const r = await validate(
    '--vars',
    join(suiteDir, 'vars.yaml'),
    '--vars-inline',
    VARS_INLINE,
    '-g',
    join(suiteDir, OS, 'goss.yaml'),
    '-f',
    'json',
  );
  out = JSON.parse(r.stdout) as GossJson;
}, 600_000);

afterAll(() => {
  for (const c of [names.target, names.httpbin]) spawnSync('docker', ['rm', '-f', c], { stdio: 'ignore' });
  spawnSync('docker', ['network', 'rm', names.net], { stdio: 'ignore' });
  delete process.env.OS;
});

describe("goss's own integration suite (v0.4.10, bullseye), unchanged", () => {
  it('the target has no curl, wget or dig', () => {
    const r = spawnSync('docker', ['exec', names.target, 'sh', '-c', 'command -v curl wget dig'], {
      encoding: 'utf8',
    });
    expect(r.stdout).toBe('');
    expect(r.status).not.toBe(0);
  });

  it("has goss's count of checks", () => {
    expect(out.summary['test-count']).toBe(GOSS_COUNT);
    expect(out.results).toHaveLength(GOSS_COUNT);
  });

  it('passes every check but the listed differences; the suite skips only what it marks skip', () => {
    const failed = out.results.filter((r) => r.result === 1);
    const unexpected = failed.filter((r) => !DIFFERENCES[key(r)]).map((r) => r['summary-line']);
    expect(unexpected).toEqual([]);
    for (const r of failed) {
      const d = DIFFERENCES[key(r)];
      if (d?.error) expect(r.err ?? '').toMatch(d.error);
    }
    // A failed gate skips the rest of its resource, as goss does; nothing else may be skipped.
    const gated = new Set(failed.map((r) => `${r['resource-type']}: ${r['resource-id']}`));
    const skipped = out.results.filter((r) => r.result === 2).map(key);
    expect(
      skipped.filter((k) => !SUITE_SKIPS.includes(k) && ![...gated].some((g) => k.startsWith(`${g}: `))),
    ).toEqual([]);
    expect(SUITE_SKIPS.every((k) => skipped.includes(k))).toBe(true);
  });

  it('every difference listed as failing does fail here (the list is not stale)', () => {
    const failing = new Set(out.results.filter((r) => r.result === 1).map(key));
    const listed = Object.entries(DIFFERENCES).filter(([, d]) => d.outcome === 'fails');
    expect(listed.filter(([k]) => !failing.has(k)).map(([k, d]) => `${k} (${d.why})`)).toEqual([]);
  });

  it('reaches httpbin through the target: one request through its tinyproxy, the rest direct', () => {
    const log = docker('logs', names.httpbin).split('\n');
    expect(log.filter((l) => l.includes('via=1.1 tinyproxy'))).toEqual([
      expect.stringMatching(/^GET \/anything via=/),
    ]);
    expect(log).toContain('PUT /put via=-');
    expect(log.filter((l) => l.startsWith('GET /anything via=-'))).toHaveLength(2);
  });
});
