import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
 * httpbin service the suite calls: once over docker exec and once over SSH (the same image with
 * sshd added), so both agentless paths for http and dns meet goss's suite. It is run as goss's integration-tests/test.sh runs it: the
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
const names = { net: `ig-gossint-${run}`, httpbin: `ig-gossint-httpbin-${run}` };
const keys = mkdtempSync(join(tmpdir(), 'ig-gossint-'));

const docker = (...args: string[]) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: 'pipe' }).trim();

/** Built once per Dockerfile content and kept, as the sshd test image is: apt takes minutes. */
function image(name: string, text: string): string {
  const tag = `imagegate-test/${name}:${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
  if (spawnSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' }).status !== 0)
    execFileSync('docker', ['build', '-q', '-t', tag, '-'], {
      input: text,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
  return tag;
}

/** The same machine reached over SSH: sshd added; root's key arrives in $AUTHORIZED_KEY. */
const sshDockerfile = (base: string) =>
  [
    `FROM ${base}`,
    'RUN apt-get update && apt-get install --yes --no-install-recommends openssh-server \\',
    ' && rm -rf /var/lib/apt/lists/* && mkdir -p /run/sshd /root/.ssh',
    `CMD ["sh", "-c", "echo \\"$AUTHORIZED_KEY\\" > /root/.ssh/authorized_keys && service apache2 start && service tinyproxy start && service dnsmasq start && exec /usr/sbin/sshd -D -e"]`,
    '',
  ].join('\n');

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

/** goss's `Type: id: property`, the start of each summary line. */
const key = (r: GossJson['results'][number]) =>
  `${r['resource-type']}: ${r['resource-id']}: ${r.property.replace(/^./, (c) => c.toLowerCase())}`;

interface Run {
  container: string;
  target: string[];
  out?: GossJson;
  /** The stand-in's request log lines this run caused. */
  requests?: string[];
}

const runs: Record<'docker' | 'ssh', Run> = {
  docker: { container: `ig-gossint-${run}`, target: [] },
  ssh: { container: `ig-gossint-ssh-${run}`, target: [] },
};

async function validate(r: Run, ...args: string[]): Promise<{ stdout: string; exitCode: number }> {
  process.exitCode = 0;
  const res = await runCommand(register, 'validate', [...args, ...r.target]);
  process.exitCode = 0;
  return res;
}

/**
 * Start the target as goss's test.sh does, with two differences: no --privileged (SYS_PTRACE
 * is what is needed: the dnsmasq script's `status` reads /proc/PID/exe of a daemon running as
 * another user), and goss's dnsmasq.conf mounted where its Dockerfile copies it.
 */
function start(r: Run, tag: string, env: string[] = []): void {
  docker(
    ...['run', '-d', '--name', r.container, '--network', names.net, '--cap-add', 'SYS_PTRACE'],
    ...['--env', `OS=${OS}`, ...env, '-v', `${suiteDir}:/goss:ro`],
    ...['-v', `${join(repo, 'integration-tests', 'dnsmasq.conf')}:/etc/dnsmasq.conf:ro`, tag],
  );
}

/** goss's wait suite, then the suite itself, as goss's test.sh runs them. */
async function runSuite(r: Run): Promise<void> {
  const before = docker('logs', names.httpbin).split('\n').length;
  // goss's wait suite covers apache2 and tinyproxy; ours adds dnsmasq (started last) and the
  // stand-in (goss's test.sh sleeps a second "to see if it helps with intermittent CI failures").
  for (const file of [join(suiteDir, 'goss-wait.yaml'), join(keys, 'wait-more.yaml')]) {
    const wait = await validate(r, '-g', file, '-r', '20s', '-s', '100ms');
    if (wait.exitCode !== 0) throw new Error(`services did not come up:\n${wait.stdout}`);
  }
  // With goss's retry: on this 2-core machine shared with other test runs, an A/AAAA lookup
  // (2 s timeout, errors ignored as goss ignores them) came back empty in about one run in
  // three under load; a retry asks again only what failed. The listed differences still fail
  // at the end, so the run ends at the retry timeout (exit 3).
  const res = await validate(
    r,
    ...['--vars', join(suiteDir, 'vars.yaml'), '--vars-inline', VARS_INLINE],
    ...['-g', join(suiteDir, OS, 'goss.yaml'), '-f', 'json', '-r', '10s', '-s', '1s'],
  );
  r.out = JSON.parse(res.stdout) as GossJson;
  r.requests = docker('logs', names.httpbin).split('\n').slice(before);
}

beforeAll(async () => {
  requireDocker();
  const tag = image('goss-integration', dockerfile);
  const sshTag = image('goss-integration-ssh', sshDockerfile(tag));
  network();
  // This machine's node runs the stand-in: debian:bookworm has the libraries it links.
  docker(
    ...['run', '-d', '--name', names.httpbin, '--network', names.net, '--network-alias', 'httpbin'],
    ...['-v', `${process.execPath}:/usr/local/bin/node:ro`, '-v', `${standin}:/srv/httpbin.mjs:ro`],
    ...['debian:bookworm', 'node', '/srv/httpbin.mjs'],
  );
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(keys, 'id')]);
  writeFileSync(
    join(keys, 'wait-more.yaml'),
    'addr:\n  tcp://127.0.0.1:8053:\n    reachable: true\n  tcp://httpbin:80:\n    reachable: true\n',
  );
  start(runs.docker, tag);
  start(runs.ssh, sshTag, ['--env', `AUTHORIZED_KEY=${readFileSync(join(keys, 'id.pub'), 'utf8').trim()}`]);
  runs.docker.target = ['--target', `docker://${runs.docker.container}`];
  const ip = docker(
    'inspect',
    '-f',
    `{{(index .NetworkSettings.Networks "${names.net}").IPAddress}}`,
    runs.ssh.container,
  );
  runs.ssh.target = [
    '--target',
    `ssh://root@${ip}:22`,
    '--identity',
    join(keys, 'id'),
    '--insecure-ignore-host-key',
  ];
  process.env.OS = OS;
  // One after the other, so each run's requests to the stand-in can be told apart.
  await runSuite(runs.docker);
  await runSuite(runs.ssh);
}, 900_000);

afterAll(() => {
  for (const c of [runs.docker.container, runs.ssh.container, names.httpbin])
    spawnSync('docker', ['rm', '-f', c], { stdio: 'ignore' });
  spawnSync('docker', ['network', 'rm', names.net], { stdio: 'ignore' });
  rmSync(keys, { recursive: true, force: true });
  delete process.env.OS;
});

describe.each(['docker', 'ssh'] as const)(
  "goss's own integration suite (v0.4.10, bullseye), unchanged, over %s",
  (via) => {
    const r = () => runs[via];
    const out = () => r().out!;

    it('the target has no curl, wget or dig', () => {
      const res = spawnSync('docker', ['exec', r().container, 'sh', '-c', 'command -v curl wget dig'], {
        encoding: 'utf8',
      });
      expect(res.stdout).toBe('');
      expect(res.status).not.toBe(0);
    });

    it("has goss's count of checks", () => {
      expect(out().summary['test-count']).toBe(GOSS_COUNT);
      expect(out().results).toHaveLength(GOSS_COUNT);
    });

    it('passes every check but the listed differences; the suite skips only what it marks skip', () => {
      const failed = out().results.filter((x) => x.result === 1);
      const unexpected = failed.filter((x) => !DIFFERENCES[key(x)]).map((x) => x['summary-line']);
      expect(unexpected).toEqual([]);
      for (const x of failed) {
        const d = DIFFERENCES[key(x)];
        if (d?.error) expect(x.err ?? '').toMatch(d.error);
      }
      // A failed gate skips the rest of its resource, as goss does; nothing else may be skipped.
      const gated = failed.map((x) => `${x['resource-type']}: ${x['resource-id']}: `);
      const skipped = out()
        .results.filter((x) => x.result === 2)
        .map(key);
      expect(skipped.filter((k) => !SUITE_SKIPS.includes(k) && !gated.some((g) => k.startsWith(g)))).toEqual(
        [],
      );
      expect(SUITE_SKIPS.filter((k) => !skipped.includes(k))).toEqual([]);
    });

    it('every difference listed as failing does fail here (the list is not stale)', () => {
      const failing = new Set(
        out()
          .results.filter((x) => x.result === 1)
          .map(key),
      );
      const listed = Object.entries(DIFFERENCES).filter(([, d]) => d.outcome === 'fails');
      expect(listed.filter(([k]) => !failing.has(k)).map(([k, d]) => `${k} (${d.why})`)).toEqual([]);
    });

    it('reaches httpbin from the target: one request through its tinyproxy, the rest direct', () => {
      const log = r().requests!;
      expect(log.filter((l) => l.includes('via=1.1 tinyproxy'))).toEqual([
        expect.stringMatching(/^GET \/anything via=/),
      ]);
      expect(log).toContain('PUT /put via=-');
      expect(log.filter((l) => l.startsWith('GET /anything via=-'))).toHaveLength(2);
    });
  },
);
