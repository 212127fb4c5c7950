/**
 * `imagegate test ami-…` end to end against moto, in-process: the command's own wiring
 * (imagegate.yaml settings, AwsClients reading AWS_ENDPOINT_URL, Ec2Target, testArtifact,
 * verdict, report, exit code). moto keeps the key pair, security group and instance; the
 * instance's network endpoint is one real sshd container (the proxy reports its Docker network
 * address as the instance's, port 22 as the command reaches a public IP), which receives the
 * launch key as cloud-init would and whose host key fingerprint the console shows.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import ssh2 from 'ssh2';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../src/cli/test.js';
import { runCommand } from '../helpers/cli.js';
import { requireDocker } from '../helpers/engines.js';
import { readSignedVerdict } from '../helpers/evidence.js';
import { type SshdServer, startSshd } from '../helpers/sshd.js';
import { consoleText, hostFingerprint, installLaunchKeys } from './helpers/instance.js';
import { MANAGEMENT } from './helpers/moto.js';
import { useMoto } from './helpers/session.js';
import type { SeededImage } from './helpers/world.js';

const REGION = 'eu-west-1';
const moto = useMoto({ region: REGION });
const fixtures = new URL('../fixtures/targets/suites/', import.meta.url).pathname;
let server: SshdServer;
let dir: string;
let image: SeededImage;
/** Private halves of the launch keys the command generated, to prove none is printed. */
let privateKeys: string[];

async function imagegateTest(args: string[]) {
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const r = await runCommand(register, 'test', [
    image.id,
    '--region',
    REGION,
    '--config',
    join(dir, 'imagegate.yaml'),
    '--out',
    join(dir, 'verdicts'),
    ...args,
  ]);
  const file = /verdict: (\S+)/.exec(r.stdout)?.[1];
  return {
    ...r,
    stderr,
    verdict: file ? readSignedVerdict(file, join(dir, '.imagegate')).verdict : undefined,
  };
}

/** What the product sent to RunInstances, as the proxy saw it (query parameters). */
function runInstancesParams(): Record<string, unknown> {
  const call = moto.proxy.calls.find((c) => c.action === 'RunInstances');
  if (!call) throw new Error('RunInstances was never called');
  return call.params;
}

async function instances() {
  const out = await moto.world.ec2(MANAGEMENT, REGION).send(new DescribeInstancesCommand({}));
  return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

function expectNoSecret(...texts: string[]) {
  expect(privateKeys.length).toBeGreaterThan(0);
  for (const text of texts) {
    expect(text).not.toMatch(/PRIVATE KEY/);
    // The base64 body of each key, line by line: no fragment of it may leak either.
    for (const key of privateKeys)
      for (const line of key.split('\n').filter((l) => l.length > 40)) expect(text).not.toContain(line);
  }
}

beforeAll(async () => {
  requireDocker();
  server = await startSshd();
  installLaunchKeys(moto.proxy, () => [server]);
  dir = mkdtempSync(join(tmpdir(), 'imagegate-test-ec2-'));
  writeFileSync(join(dir, 'user-data.yaml'), '#cloud-config\npackage_update: false\n');
  writeFileSync(join(dir, 'known_hosts'), `${server.knownHostsLine}\n`);
  const ec2 = `        sshUser: ${server.user}\n        allowCidr: 198.51.100.23/32\n`;
  writeFileSync(
    join(dir, 'imagegate.yaml'),
    'images:\n' +
      '  base:\n    template: packer/base\n    test:\n      ttl: 45m\n      ec2:\n' +
      `${ec2}        instanceType: t3.small\n        userData: user-data.yaml\n` +
      '  slow:\n    template: packer/base\n    test:\n      ec2:\n' +
      `${ec2}        bootTimeout: 3s\n` +
      '  private:\n    template: packer/base\n    test:\n      ec2:\n' +
      `${ec2}        privateIp: true\n        bastion: ${server.user}@127.0.0.1:${server.port}\n`,
  );
});

afterAll(() => {
  server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  privateKeys = [];
  const generate = ssh2.utils.generateKeyPairSync;
  vi.spyOn(ssh2.utils, 'generateKeyPairSync').mockImplementation((...args: Parameters<typeof generate>) => {
    const keys = generate(...args);
    privateKeys.push(keys.private);
    return keys;
  });
  image = await moto.world.image(MANAGEMENT, REGION, 'base-20261205');
  moto.proxy.instanceAddress(server.internalIp);
  // moto's console is a fixed kernel log without host key fingerprints; cloud-init prints them.
  moto.proxy.consoleOutput(consoleText(hostFingerprint(server)));
  // Like any EC2 instance just launched: unknown to DescribeInstances for a moment (moto knows
  // it at once, so the proxy answers the first look NotFound), then pending, then running.
  moto.proxy.fault({
    action: 'DescribeInstances',
    when: (p) => 'InstanceId.1' in p,
    times: 1,
    code: 'InvalidInstanceID.NotFound',
    status: 400,
  });
  moto.proxy.bootStates(['pending', 'running']);
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('imagegate test ami-… against moto, SSH to a stand-in sshd', () => {
  it('passes: boots with ephemeral tags, runs the suite over SSH, reports PASS, exits 0, removes everything', async () => {
    const r = await imagegateTest([
      '--image',
      'base',
      '-g',
      join(fixtures, 'pass.yaml'),
      '--run-id',
      'ci-4711',
    ]);
    expect(r.verdict?.error ?? r.exitCode).toBe(0);
    const id = image.id;
    expect(r.stdout).toMatch(new RegExp(`^PASS ${id} \\(${id}\\): 3 checks, 0 failed\\n  verdict: \\S+\\n$`));
    const [instance] = await instances();
    expect(r.verdict).toMatchObject({
      passed: true,
      image: 'base',
      artifact: { kind: 'ami', id, region: REGION },
      target: {
        kind: 'ec2',
        instanceId: instance?.InstanceId,
        instanceType: 't3.small',
        sshAllowedFrom: '198.51.100.23/32',
        address: `${server.internalIp}:22`,
        hostKey: { verifiedBy: 'expected-fingerprint' },
      },
    });
    // The instance as moto holds it: the AMI, the type, the user data, IMDSv2, the run's tags.
    expect(instance).toMatchObject({ ImageId: id, InstanceType: 't3.small' });
    expect(instance?.MetadataOptions?.HttpTokens).toBe('required');
    expect(Buffer.from(String(runInstancesParams().UserData), 'base64').toString()).toBe(
      readFileSync(join(dir, 'user-data.yaml'), 'utf8'),
    );
    const tags = Object.fromEntries((instance?.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags).toMatchObject({
      'imagegate:ephemeral': 'true',
      'imagegate:run-id': 'ci-4711',
      'imagegate:ttl': String(45 * 60),
      'imagegate:artifact': id,
    });
    expect(Math.abs(Date.now() - Date.parse(tags['imagegate:created-at'] ?? ''))).toBeLessThan(60_000);
    expect(runInstancesParams()).toMatchObject({
      'TagSpecification.1.ResourceType': 'instance',
      'TagSpecification.2.ResourceType': 'volume',
    });
    expect(moto.proxy.calls.filter((c) => c.action === 'RunInstances')).toHaveLength(1);
    expect(await moto.world.leftovers(MANAGEMENT, REGION)).toEqual([]);
    expect(r.stderr).toContain('imagegate test: tearing down');
    expectNoSecret(r.stdout, r.stderr, JSON.stringify(r.verdict));
  });

  it('fails: reports FAIL with the failed check and the console log, exits 1, still removes everything', async () => {
    const r = await imagegateTest(['--image', 'base', '-g', join(fixtures, 'fail.yaml')]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^FAIL ${image.id} \\(${image.id}\\): 2 checks, 1 failed\\n`));
    expect(r.stdout).toMatch(/\n {2}✗ \S+\/fail\.yaml: File: \/opt\/app\/config\.yaml: exists:/);
    expect(r.verdict?.passed).toBe(false);
    expect(r.verdict?.logs).toContain('cloud-init: booting');
    expect(await moto.world.leftovers(MANAGEMENT, REGION)).toEqual([]);
    expectNoSecret(r.stdout, r.stderr, JSON.stringify(r.verdict));
  });

  it('boot failure: an instance that never reaches running is a one-line infrastructure error, exit 2, torn down', async () => {
    // moto never fails a launch: the proxy shows the instance terminated with AWS's reason.
    moto.proxy.bootStates(['pending', 'terminated'], {
      code: 'Server.InternalError',
      message: 'Server.InternalError: Internal error on launch',
    });
    const r = await imagegateTest(['--image', 'base', '-g', join(fixtures, 'pass.yaml')]);
    expect(r.exitCode).toBe(2);
    const [instance] = await instances();
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      `ERROR (infrastructure, not a verdict on the image) ${image.id} (${image.id}): 0 checks, 0 failed`,
    );
    expect(lines[1]).toBe(
      `  boot failed: ${instance?.InstanceId} terminated during boot: Server.InternalError: Internal error on launch`,
    );
    expect(lines[2]).toMatch(/^ {2}verdict: /);
    expect(lines).toHaveLength(3);
    expect(r.verdict).toMatchObject({ passed: false, suites: [] });
    expect(await moto.world.leftovers(MANAGEMENT, REGION)).toEqual([]);
    expectNoSecret(r.stdout, r.stderr, JSON.stringify(r.verdict));
  });

  it('boot timeout: an instance still pending after test.ec2.bootTimeout is an infrastructure error, torn down', async () => {
    // moto's instances run at once: the proxy keeps this one pending.
    moto.proxy.bootStates(['pending']);
    const started = Date.now();
    const r = await imagegateTest(['--image', 'slow', '-g', join(fixtures, 'pass.yaml')]);
    expect(r.exitCode).toBe(2);
    // The configured 3 s, not the 10 min default (teardown waits for shutting-down too).
    expect(Date.now() - started).toBeLessThan(60_000);
    const [instance] = await instances();
    expect(r.stdout.trimEnd().split('\n')[1]).toBe(
      `  boot failed: ${instance?.InstanceId} not running within 3s (state pending): raise test.ec2.bootTimeout if the AMI boots slowly`,
    );
    expect(await moto.world.leftovers(MANAGEMENT, REGION)).toEqual([]);
    expectNoSecret(r.stdout, r.stderr, JSON.stringify(r.verdict));
  });

  it('reaches a private instance through the bastion named in imagegate.yaml, trusting it via --known-hosts', async () => {
    // A public address nothing answers on: only the private one (the sshd) may be used.
    moto.proxy.instanceAddress('192.0.2.1', server.internalIp);
    // The longest run id the command accepts: the launch must still be valid.
    const runId = 'r'.repeat(64);
    const r = await imagegateTest([
      '--image',
      'private',
      '-g',
      join(fixtures, 'pass.yaml'),
      '--known-hosts',
      join(dir, 'known_hosts'),
      '--run-id',
      runId,
    ]);
    expect(r.verdict?.error ?? r.exitCode).toBe(0);
    expect(r.verdict?.target).toMatchObject({
      address: `${server.internalIp}:22`,
      bastion: `${server.user}@127.0.0.1:${server.port}`,
      hostKey: { verifiedBy: 'expected-fingerprint' },
    });
    const [instance] = await instances();
    expect(instance?.Tags).toContainEqual({ Key: 'imagegate:run-id', Value: runId });
    expect(await moto.world.leftovers(MANAGEMENT, REGION)).toEqual([]);
  });
});
