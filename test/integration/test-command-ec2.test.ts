import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client, RunInstancesCommand, type RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import ssh2 from 'ssh2';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../src/cli/test.js';
import { fingerprint } from '../../src/transports/known-hosts.js';
import { runCommand } from '../helpers/cli.js';
import { consoleOutput, Ec2TargetWorld, type Ec2TargetWorldOptions } from '../helpers/ec2-target-world.js';
import { requireDocker } from '../helpers/engines.js';
import { readSignedVerdict } from '../helpers/evidence.js';
import { authorizeKey, type SshdServer, startSshd } from '../helpers/sshd.js';

/**
 * `imagegate test ami-…` end to end, in-process: the command's own wiring (imagegate.yaml
 * settings, AwsClients, Ec2Target, testArtifact, verdict, report, exit code). EC2 is mocked
 * (Ec2TargetWorld answers as the API documents); the "instance" is one real sshd container,
 * reached at its Docker network address on port 22 as the command would reach a public IP.
 */
const ec2Mock = mockClient(EC2Client);
const AMI = 'ami-0123456789abcdef0';
const fixtures = new URL('../fixtures/targets/suites/', import.meta.url).pathname;
let server: SshdServer;
let dir: string;
let world: Ec2TargetWorld;
/** Private halves of the launch keys the command generated, to prove none is printed. */
let privateKeys: string[];

function fakeEc2(opts: Ec2TargetWorldOptions = {}) {
  const [, blob] = server.hostPublicKey.split(' ');
  world = new Ec2TargetWorld(ec2Mock, {
    // Like any EC2 instance just launched: unknown to Describe for a moment, then pending.
    boot: ['NotFound', 'pending', 'running'],
    publicIp: server.internalIp,
    privateIp: server.internalIp,
    console: consoleOutput(fingerprint(Buffer.from(blob!, 'base64'))),
    onKeyImported: (key) => authorizeKey(server, key),
    eniLinger: 0,
    ...opts,
  });
}

async function imagegateTest(args: string[]) {
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const r = await runCommand(register, 'test', [
    AMI,
    '--region',
    'eu-west-1',
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

function runInstancesInput(): RunInstancesCommandInput {
  const call = ec2Mock.commandCalls(RunInstancesCommand)[0];
  if (!call) throw new Error('RunInstances was never called');
  return call.args[0].input;
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
  ec2Mock.restore();
});

beforeEach(() => {
  privateKeys = [];
  const generate = ssh2.utils.generateKeyPairSync;
  vi.spyOn(ssh2.utils, 'generateKeyPairSync').mockImplementation((...args: Parameters<typeof generate>) => {
    const keys = generate(...args);
    privateKeys.push(keys.private);
    return keys;
  });
  fakeEc2();
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('imagegate test ami-…', () => {
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
    expect(r.stdout).toMatch(
      new RegExp(`^PASS ${AMI} \\(${AMI}\\): 3 checks, 0 failed\\n  verdict: \\S+\\n$`),
    );
    expect(r.verdict).toMatchObject({
      passed: true,
      image: 'base',
      artifact: { kind: 'ami', id: AMI, region: 'eu-west-1' },
      target: {
        kind: 'ec2',
        instanceId: 'i-0cc',
        instanceType: 't3.small',
        sshAllowedFrom: '198.51.100.23/32',
        address: `${server.internalIp}:22`,
        hostKey: { verifiedBy: 'expected-fingerprint' },
      },
    });
    const run = runInstancesInput();
    expect(run.ImageId).toBe(AMI);
    expect(Buffer.from(run.UserData ?? '', 'base64').toString()).toBe(
      readFileSync(join(dir, 'user-data.yaml'), 'utf8'),
    );
    expect(run.TagSpecifications?.map((s) => s.ResourceType)).toEqual(['instance', 'volume']);
    for (const spec of run.TagSpecifications ?? []) {
      const tags = Object.fromEntries((spec.Tags ?? []).map((t) => [t.Key, t.Value]));
      expect(tags).toMatchObject({
        'imagegate:ephemeral': 'true',
        'imagegate:run-id': 'ci-4711',
        'imagegate:ttl': String(45 * 60),
        'imagegate:artifact': AMI,
      });
      expect(Math.abs(Date.now() - Date.parse(tags['imagegate:created-at'] ?? ''))).toBeLessThan(60_000);
    }
    expect([...world.instances.keys(), ...world.keyPairs.keys(), ...world.groups.keys()]).toEqual(['i-0cc']);
    expect(world.leftovers()).toEqual([]);
    expect(r.stderr).toContain('imagegate test: tearing down');
    expectNoSecret(r.stdout, r.stderr, JSON.stringify(r.verdict));
  });

  it('fails: reports FAIL with the failed check and the console log, exits 1, still removes everything', async () => {
    const r = await imagegateTest(['--image', 'base', '-g', join(fixtures, 'fail.yaml')]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^FAIL ${AMI} \\(${AMI}\\): 2 checks, 1 failed\\n`));
    expect(r.stdout).toMatch(/\n {2}✗ \S+\/fail\.yaml: File: \/opt\/app\/config\.yaml: exists:/);
    expect(r.verdict?.passed).toBe(false);
    expect(r.verdict?.logs).toContain('cloud-init: booting');
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(1);
    expect(world.leftovers()).toEqual([]);
    expectNoSecret(r.stdout, r.stderr, JSON.stringify(r.verdict));
  });

  it('boot failure: an instance that never reaches running is a one-line infrastructure error, exit 2, torn down', async () => {
    fakeEc2({
      boot: ['NotFound', 'pending', 'terminated'],
      stateReason: {
        Code: 'Server.InternalError',
        Message: 'Server.InternalError: Internal error on launch',
      },
    });
    const r = await imagegateTest(['--image', 'base', '-g', join(fixtures, 'pass.yaml')]);
    expect(r.exitCode).toBe(2);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      `ERROR (infrastructure, not a verdict on the image) ${AMI} (${AMI}): 0 checks, 0 failed`,
    );
    expect(lines[1]).toBe(
      '  boot failed: i-0cc terminated during boot: Server.InternalError: Internal error on launch',
    );
    expect(lines[2]).toMatch(/^ {2}verdict: /);
    expect(lines).toHaveLength(3);
    expect(r.verdict).toMatchObject({ passed: false, suites: [] });
    expect(world.keyPairs.size + world.groups.size).toBe(0);
    expect(world.leftovers()).toEqual([]);
    expectNoSecret(r.stdout, r.stderr, JSON.stringify(r.verdict));
  });

  it('boot timeout: an instance still pending after test.ec2.bootTimeout is an infrastructure error, torn down', async () => {
    fakeEc2({ boot: ['NotFound', 'pending'] });
    const started = Date.now();
    const r = await imagegateTest(['--image', 'slow', '-g', join(fixtures, 'pass.yaml')]);
    expect(r.exitCode).toBe(2);
    // The configured 3 s, not the 10 min default (teardown waits for shutting-down too).
    expect(Date.now() - started).toBeLessThan(60_000);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[1]).toBe(
      '  boot failed: i-0cc not running within 3s (state pending): raise test.ec2.bootTimeout if the AMI boots slowly',
    );
    expect(world.leftovers()).toEqual([]);
    expectNoSecret(r.stdout, r.stderr, JSON.stringify(r.verdict));
  });

  it('reaches a private instance through the bastion named in imagegate.yaml, trusting it via --known-hosts', async () => {
    // The longest run id the command accepts: the launch must still be idempotent and valid.
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
    const tags = Object.fromEntries(
      (runInstancesInput().TagSpecifications?.[0]?.Tags ?? []).map((t) => [t.Key, t.Value]),
    );
    expect(tags['imagegate:run-id']).toBe(runId);
    expect(world.leftovers()).toEqual([]);
  });
});
