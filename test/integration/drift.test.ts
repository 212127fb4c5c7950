/**
 * `imagegate drift` against a real fleet: containers and OpenSSH hosts started from an image
 * that `imagegate test` really tested and signed, some changed by hand after start, one from an
 * image never promoted. Drift must find exactly the changed ones, and nothing on the others.
 */

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftReport, HostReport } from '../../src/drift/model.js';
import { requireDocker } from '../helpers/engines.js';
import { readSignedVerdict } from '../helpers/evidence.js';
import { buildLabelledImage, removeFixtureImages } from '../helpers/fixture-image.js';
import { authorizeKey, type SshdServer, sshdImage, startSshd } from '../helpers/sshd.js';

const bin = new URL('../../bin/imagegate', import.meta.url).pathname;
const run = `drift-${process.pid}-${Date.now()}`;
const TEST_LABEL = `imagegate-test=${run}`;
const FLEET = `imagegate-drift-test/fleet:${run}`;
const FLEET_V2 = `imagegate-drift-test/fleet:${run}-v2`;
const ROGUE = `imagegate-drift-test/rogue:${run}`;
const DEPLOY_KEYS = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDeployKeyOnlyForImagegateDriftTests deploy@ci\n';
const INTRUDER =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAddedByHandAfterStartNotInTheImage00000 mallory@laptop';

// The image: an OpenSSH host with an app user, its deploy key and a config file.
const dockerfile = (from: string) => `FROM ${from}
RUN useradd -m -s /bin/sh app && chmod 755 /home/app && mkdir -p /home/app/.ssh \\
 && printf '%s' '${DEPLOY_KEYS.trim()}' > /home/app/.ssh/authorized_keys && echo >> /home/app/.ssh/authorized_keys \\
 && chmod 755 /home/app/.ssh && chmod 644 /home/app/.ssh/authorized_keys \\
 && echo 'PermitRootLogin no' > /etc/app.conf
CMD ["sleep", "infinity"]
`;

const SUITE = `package:
  e2fsprogs:
    installed: true
file:
  /etc/app.conf:
    exists: true
    contents:
      - PermitRootLogin no
  /home/app/.ssh/authorized_keys:
    exists: true
    sha256: ${createHash('sha256').update(DEPLOY_KEYS).digest('hex')}
  /home/app/.aws/credentials:
    exists: false
  # The image ships no machine id; a running host has one.
  /etc/machine-id:
    exists: false
    meta:
      imagegate:
        when: boot
command:
  machine-id-set:
    exec: test -s /etc/machine-id
    exit-status: 0
    meta:
      imagegate:
        when: live
`;

let dir: string;
const containers: string[] = [];
const servers: SshdServer[] = [];

function imagegate(args: string[]) {
  const r = spawnSync(bin, args, { cwd: dir, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function build(tag: string, text: string): string {
  return buildLabelledImage(tag, text, run);
}

/** A host as systemd would leave it after first boot: a machine id. */
function firstBoot(container: string): void {
  sh(container, 'echo 5f3c0a8e6b0d4c2f9a1e7d3b2c4a6e80 > /etc/machine-id');
}

function sh(container: string, script: string): void {
  execFileSync('docker', ['exec', container, 'sh', '-c', script]);
}

function startHost(name: string, image: string, labels: string[] = []): string {
  const args = ['run', '-d', '--name', `${run}-${name}`, '--label', TEST_LABEL, '--label', `fleet=${run}`];
  for (const l of labels) args.push('--label', l);
  const id = execFileSync('docker', [...args, image], { encoding: 'utf8' }).trim();
  containers.push(id);
  firstBoot(id);
  return id;
}

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function byHost(report: DriftReport): Record<string, HostReport> {
  return Object.fromEntries(report.hosts.map((h) => [h.host.replace(`${run}-`, ''), h]));
}

const drifted = (h: HostReport | undefined) =>
  (h?.drifted ?? []).map((d) => `${d.type}: ${d.id}: ${d.property}`);

let fleetId: string;

beforeAll(async () => {
  requireDocker();
  dir = mkdtempSync(join(tmpdir(), 'imagegate-drift-'));
  writeFileSync(
    join(dir, 'imagegate.yaml'),
    'stages:\n  dev:\n    trust: [local-dev]\n    registry: { repository: "127.0.0.1:5001/drift", tags: [dev] }\n',
  );
  writeFileSync(join(dir, 'goss.yaml'), SUITE);
  fleetId = build(FLEET, dockerfile(sshdImage()));
  build(ROGUE, `FROM ${FLEET}\nRUN echo unreviewed > /etc/rogue\n`);

  // The real gate: boot the image, run the suite, sign the verdict with the development key.
  const tested = imagegate(['test', FLEET, '-g', 'goss.yaml', '--out', '.imagegate/verdicts']);
  expect(tested.stderr + tested.stdout).toMatch(/pass/i);
  expect(tested.code).toBe(0);

  startHost('clean-1', FLEET, ['role=clean']);
  startHost('clean-2', FLEET, ['role=clean']);
  sh(startHost('package-removed', FLEET), 'dpkg -r e2fsprogs >/dev/null 2>&1');
  sh(startHost('file-changed', FLEET), "sed -i 's/no/yes/' /etc/app.conf");
  sh(startHost('key-added', FLEET), `echo '${INTRUDER}' >> /home/app/.ssh/authorized_keys`);
  sh(
    startHost('credentials', FLEET),
    'mkdir -p /home/app/.aws && printf "[default]\\naws_access_key_id=AKIAEXAMPLE\\n" > /home/app/.aws/credentials',
  );
  startHost('unpromoted', ROGUE);

  for (const name of ['ssh-clean', 'ssh-key-added']) {
    const s = await startSshd({ image: FLEET, labels: [TEST_LABEL] });
    servers.push(s);
    firstBoot(s.containerId);
    if (name === 'ssh-key-added') sh(s.containerId, `echo '${INTRUDER}' >> /home/app/.ssh/authorized_keys`);
  }
  // One client key for the whole inventory, as a fleet's drift job has.
  const first = servers[0]!;
  authorizeKey(servers[1]!, readFileSync(`${first.keyFile}.pub`, 'utf8'));
  writeFileSync(join(dir, 'known_hosts'), servers.map((s) => s.knownHostsLine).join('\n') + '\n');
  writeFileSync(
    join(dir, 'fleet.yaml'),
    [
      'hosts:',
      `  - name: ssh-clean`,
      `    target: ssh://tester@127.0.0.1:${servers[0]!.port}`,
      `    image: ${FLEET}`,
      `  - name: ssh-key-added`,
      `    target: ssh://tester@127.0.0.1:${servers[1]!.port}`,
      `    image: ${fleetId}`,
      '',
    ].join('\n'),
  );
}, 600_000);

afterAll(() => {
  for (const id of containers) spawnSync('docker', ['rm', '-f', id], { stdio: 'ignore' });
  for (const s of servers) s.stop();
  removeFixtureImages(run);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('imagegate drift', () => {
  it('finds exactly the hand-changed hosts and the unpromoted image, and nothing on the others', () => {
    const r = imagegate([
      'drift',
      '--label',
      `fleet=${run}`,
      '--inventory',
      'fleet.yaml',
      '--identity',
      servers[0]!.keyFile,
      '--known-hosts',
      'known_hosts',
      '--format',
      'json',
      '--concurrency',
      '4',
    ]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as DriftReport;
    const hosts = byHost(report);
    expect(Object.keys(hosts).sort()).toEqual(
      [
        'clean-1',
        'clean-2',
        'credentials',
        'file-changed',
        'key-added',
        'package-removed',
        'ssh-clean',
        'ssh-key-added',
        'unpromoted',
      ].sort(),
    );
    const statuses = Object.fromEntries(Object.entries(hosts).map(([k, h]) => [k, h.findings]));
    expect(statuses).toEqual({
      'clean-1': [],
      'clean-2': [],
      'ssh-clean': [],
      'package-removed': ['drift'],
      'file-changed': ['drift'],
      'key-added': ['drift'],
      credentials: ['drift'],
      'ssh-key-added': ['drift'],
      unpromoted: ['unpromoted'],
    });
    expect(drifted(hosts['package-removed'])).toEqual(['Package: e2fsprogs: installed']);
    expect(drifted(hosts['file-changed'])).toEqual(['File: /etc/app.conf: contents']);
    expect(drifted(hosts['key-added'])).toEqual(['File: /home/app/.ssh/authorized_keys: sha256']);
    expect(drifted(hosts['ssh-key-added'])).toEqual(['File: /home/app/.ssh/authorized_keys: sha256']);
    expect(drifted(hosts.credentials)).toEqual(['File: /home/app/.aws/credentials: exists']);
    expect(hosts.unpromoted?.reasons[0]).toMatch(/no verdict for image sha256:/);
    // Every checked host was checked in full: the boot-only check skipped with its reason,
    // the live-only check run (and passing: each host has its machine id).
    for (const name of ['clean-1', 'ssh-clean', 'key-added']) {
      const h = hosts[name]!;
      expect(h.verdict?.signer).toBeTruthy();
      expect(h.imageId).toBe(fleetId);
      expect(h.skipped).toEqual([
        expect.objectContaining({ id: '/etc/machine-id', reason: expect.stringMatching(/boot-only/) }),
      ]);
      expect(h.checks.total).toBeGreaterThanOrEqual(7);
      expect(h.unverified).toEqual([]);
    }
    expect(report.summary).toMatchObject({ hosts: 9, ok: 3, drift: 5, unpromoted: 1, unreachable: 0 });
  }, 240_000);

  it('the image test ran the boot-only check and skipped the live-only one, saying why', () => {
    const [file] = readdirSync(join(dir, '.imagegate/verdicts')).filter((f) => f.endsWith('.json'));
    const { verdict, verified } = readSignedVerdict(
      join(dir, '.imagegate/verdicts', file!),
      join(dir, '.imagegate'),
    );
    expect(verified).toBe(true);
    const results = verdict.suites.flatMap((s) => s.run.results);
    const one = (id: string) =>
      results.filter((r) => r['resource-id'] === id).map((r) => [r.result, r['summary-line']]);
    expect(one('/etc/machine-id')).toEqual([
      [0, expect.stringMatching(/exists: matches expectation: false/)],
    ]);
    expect(one('machine-id-set')).toEqual([[2, expect.stringMatching(/skipped \(live-only check/)]]);
  });

  it('exits 0 with a text summary when the selected hosts match their promoted image', () => {
    const r = imagegate(['drift', '--label', `fleet=${run}`, '--label', 'role=clean']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2 hosts: 2 ok, 0 drifted/);
  }, 120_000);

  it('an inventory docker:// host without image: the image is read from the container', () => {
    writeFileSync(
      join(dir, 'containers.yaml'),
      `- docker://${run}-clean-2\n- target: docker://${run}-file-changed\n`,
    );
    const r = imagegate(['drift', '--inventory', 'containers.yaml', '--format', 'json']);
    expect(r.code).toBe(1);
    const hosts = (JSON.parse(r.stdout) as DriftReport).hosts;
    expect(hosts.map((h) => [h.host, h.imageId, h.findings])).toEqual([
      [`docker://${run}-clean-2`, fleetId, []],
      [`docker://${run}-file-changed`, fleetId, ['drift']],
    ]);
  }, 120_000);

  it('a live-only check failing on a host is drift; the image test skipped it by design', () => {
    const id = startHost('no-machine-id', FLEET, ['role=bare']);
    sh(id, 'rm /etc/machine-id');
    const r = imagegate(['drift', '--label', 'role=bare', '--label', `fleet=${run}`, '--format', 'json']);
    expect(r.code).toBe(1);
    const h = (JSON.parse(r.stdout) as DriftReport).hosts[0];
    expect(h?.drifted).toEqual([
      expect.objectContaining({
        type: 'Command',
        id: 'machine-id-set',
        property: 'exit-status',
        was: 'live-only check',
      }),
    ]);
  }, 120_000);

  it('exits 3 and lists the host when a host cannot be reached and nothing else is wrong', async () => {
    const port = await closedPort();
    writeFileSync(join(dir, 'gone.yaml'), `- target: ssh://tester@127.0.0.1:${port}\n  image: ${FLEET}\n`);
    const r = imagegate(['drift', '--inventory', 'gone.yaml', '--identity', servers[0]!.keyFile]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(new RegExp(`tester@127\\.0\\.0\\.1:${port}\\s+UNREACHABLE`));
  }, 120_000);

  it('a bad inventory is one line naming file:line, exit 2', () => {
    writeFileSync(
      join(dir, 'bad.yaml'),
      `hosts:\n  - target: docker://x\n  - target: ssh://10.0.0.5\n    image: web:1\n`,
    );
    const r = imagegate(['drift', '--inventory', 'bad.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^imagegate: bad\.yaml:3: target "ssh:\/\/10\.0\.0\.5": expected ssh:\/\/user@host/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('EC2-only flags without --region are refused, not ignored', () => {
    const r = imagegate(['drift', '--label', TEST_LABEL, '--connect', 'ssm', '--ssh-user', 'admin']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'imagegate: --connect ssm, --ssh-user: only for EC2 instances selected with --region (inventory targets carry their own user and transport)',
    );
  });

  it('Ctrl-C stops the collectors running on hosts and exits 130 without a report', async () => {
    const slowImage = `imagegate-drift-test/slow:${run}`;
    build(slowImage, `FROM ${FLEET}\nLABEL imagegate-drift-test=slow\n`);
    // Quick when the image is tested, slow on a host that has the marker file.
    writeFileSync(
      join(dir, 'slow.yaml'),
      'command:\n  slow-on-hosts:\n    exec: "if [ -e /etc/slow-host ]; then sleep 300; fi; true"\n    exit-status: 0\n    timeout: 400000\n',
    );
    expect(imagegate(['test', slowImage, '-g', 'slow.yaml', '--out', '.imagegate/verdicts']).code).toBe(0);
    const id = startHost('slow', slowImage, ['role=slow']);
    sh(id, 'touch /etc/slow-host');
    const child = spawn(bin, ['drift', '--label', 'role=slow', '--label', `fleet=${run}`], { cwd: dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const sleeping = () =>
      execFileSync('docker', ['top', id, '-eo', 'pid,args'], { encoding: 'utf8' }).includes('sleep 300');
    const deadline = Date.now() + 60_000;
    while (!sleeping()) {
      if (Date.now() > deadline) throw new Error(`drift never started its collector: ${stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/interrupted by SIGINT/);
    expect(stdout).toBe('');
    // The collector and its sleep are gone from the host.
    const until = Date.now() + 10_000;
    while (sleeping() && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(sleeping()).toBe(false);
  }, 240_000);

  it('reports a newer promoted successor of the same image without failing the run', () => {
    const v2 = build(FLEET_V2, `FROM ${FLEET}\nLABEL imagegate-drift-test=v2\n`);
    expect(imagegate(['test', FLEET_V2, '-g', 'goss.yaml', '--out', '.imagegate/verdicts']).code).toBe(0);
    const r = imagegate(['drift', '--label', `fleet=${run}`, '--label', 'role=clean', '--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as DriftReport;
    for (const h of report.hosts) {
      expect(h.findings).toEqual(['superseded']);
      expect(h.successor?.id).toBe(v2);
    }
  }, 240_000);
});
