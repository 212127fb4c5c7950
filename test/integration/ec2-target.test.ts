import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactRef } from '../../src/evidence/verdict.js';
import { testArtifact } from '../../src/gate/test-artifact.js';
import { loadSuite } from '../../src/suite/load.js';
import type { Suite } from '../../src/suite/model.js';
import { Ec2Target, type Ec2TargetOptions } from '../../src/targets/ec2.js';
import { fingerprint } from '../../src/transports/known-hosts.js';
import { consoleOutput, Ec2TargetWorld } from '../helpers/ec2-target-world.js';
import { requireDocker } from '../helpers/engines.js';
import { authorizeKey, type SshdServer, startSshd } from '../helpers/sshd.js';

/**
 * The EC2 API is mocked (aws-sdk-client-mock, answering as EC2 documents); the "instance" is a
 * real OpenSSH server in a container, so the SSH half — key injection, host key verification
 * from console output, running suites — is real.
 */
const ec2Mock = mockClient(EC2Client);
const AMI: ArtifactRef = {
  kind: 'ami',
  id: 'ami-0123456789abcdef0',
  region: 'eu-west-1',
  reference: 'ami-0123456789abcdef0',
};
let server: SshdServer;
/** A second "instance" with only a private address, reached through `server` as the bastion. */
let inner: SshdServer;
let suite: Suite;
let hostFingerprint: string;
let world: Ec2TargetWorld;
const noSleep = async () => {};

/** EC2 as documented (see Ec2TargetWorld); the launch key is installed on both "instances". */
function fakeEc2(opts: { console?: string } = {}) {
  world = new Ec2TargetWorld(ec2Mock, {
    publicIp: '127.0.0.1',
    privateIp: inner.internalIp,
    console: opts.console ?? consoleOutput(hostFingerprint),
    onKeyImported: (key) => {
      for (const c of [server, inner]) authorizeKey(c, key);
    },
  });
}

function target(extra: Partial<Ec2TargetOptions> = {}): Ec2Target {
  return new Ec2Target({
    ec2: new EC2Client({ region: 'eu-west-1' }),
    region: 'eu-west-1',
    mark: { runId: 'run-ec2-test', ttlSeconds: 3600 },
    settings: { sshUser: 'tester', instanceType: 't3.small' },
    detectCidr: async () => '198.51.100.23/32',
    sshPort: server.port,
    sleep: noSleep,
    bootDeadlineMs: 8000,
    ...extra,
  });
}

const calls = () =>
  ec2Mock.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
const input = <T>(name: string): T =>
  ec2Mock.calls().find((c) => (c.args[0] as object).constructor.name === `${name}Command`)!.args[0]
    .input as T;

beforeAll(async () => {
  requireDocker();
  [server, inner] = await Promise.all([startSshd(), startSshd()]);
  const [, blob] = server.hostPublicKey.split(' ');
  hostFingerprint = fingerprint(Buffer.from(blob!, 'base64'));
  const file = join(tmpdir(), `imagegate-ec2-suite-${process.pid}.yaml`);
  writeFileSync(
    file,
    'user:\n  tester:\n    exists: true\nfile:\n  /etc/ssh/sshd_config:\n    exists: true\n',
  );
  suite = await loadSuite(file);
});

afterAll(() => {
  server?.stop();
  inner?.stop();
});
beforeEach(() => fakeEc2());

describe('EC2 target', () => {
  // Retried once: one full-suite run in about six saw this first SSH session end as 'infra'
  // (not reproduced since; the assertion below now prints the reason). A real defect fails twice.
  it('boots, verifies the host key from console output, runs suites over SSH and tears down in order', {
    retry: 1,
  }, async () => {
    const outcome = await testArtifact({
      artifact: AMI,
      suites: [suite],
      target: target(),
      toolVersion: 'test',
    });
    expect(outcome.verdict.error ?? outcome.status).toBe('pass');
    expect(outcome.verdict.suites[0]!.run.summary['failed-count']).toBe(0);
    expect(outcome.verdict.target).toMatchObject({
      kind: 'ec2',
      instanceId: 'i-0cc',
      instanceType: 't3.small',
      imdsv2: 'required',
      sshAllowedFrom: '198.51.100.23/32',
      hostKey: { fingerprint: hostFingerprint, verifiedBy: 'expected-fingerprint' },
    });
    expect(calls()).toEqual([
      'ImportKeyPair',
      'DescribeVpcs',
      'CreateSecurityGroup',
      'AuthorizeSecurityGroupIngress',
      'RunInstances',
      'DescribeInstances', // pending
      'DescribeInstances', // running
      'GetConsoleOutput',
      'TerminateInstances',
      'DescribeInstances', // shutting-down
      'DescribeInstances', // terminated
      'DeleteKeyPair',
      'DeleteSecurityGroup', // DependencyViolation while the ENI lingers
      'DeleteSecurityGroup',
    ]);
    expect(world.leftovers()).toEqual([]);
  });

  it('opens SSH to the caller /32 only, requires IMDSv2 and tags every resource', async () => {
    await testArtifact({ artifact: AMI, suites: [suite], target: target(), toolVersion: 'test' });
    const rule = input<{
      IpPermissions: { FromPort: number; ToPort: number; IpRanges: { CidrIp: string }[] }[];
    }>('AuthorizeSecurityGroupIngress');
    expect(rule.IpPermissions).toHaveLength(1);
    expect(rule.IpPermissions[0]).toMatchObject({
      FromPort: 22,
      ToPort: 22,
      IpRanges: [{ CidrIp: '198.51.100.23/32' }],
    });
    const run = input<{
      MetadataOptions: { HttpTokens: string };
      TagSpecifications: { ResourceType: string; Tags: { Key: string; Value: string }[] }[];
      KeyName: string;
      SecurityGroupIds: string[];
    }>('RunInstances');
    expect(run.MetadataOptions.HttpTokens).toBe('required');
    expect(run.SecurityGroupIds).toEqual(['sg-0bb']);
    expect(run.TagSpecifications.map((t) => t.ResourceType)).toEqual(['instance', 'volume']);
    for (const spec of [
      ...run.TagSpecifications,
      ...input<{ TagSpecifications: { Tags: { Key: string; Value: string }[] }[] }>('ImportKeyPair')
        .TagSpecifications,
      ...input<{ TagSpecifications: { Tags: { Key: string; Value: string }[] }[] }>('CreateSecurityGroup')
        .TagSpecifications,
    ]) {
      const tags = Object.fromEntries(spec.Tags.map((t) => [t.Key, t.Value]));
      expect(tags).toMatchObject({
        'imagegate:ephemeral': 'true',
        'imagegate:run-id': 'run-ec2-test',
        'imagegate:ttl': '3600',
      });
      expect(Date.parse(tags['imagegate:created-at']!)).not.toBeNaN();
    }
  });

  it('refuses 0.0.0.0/0 before creating anything', async () => {
    const t = target({ settings: { sshUser: 'tester', allowCidr: '0.0.0.0/0' } });
    await expect(t.boot(AMI)).rejects.toThrow(/would open SSH to a \/0/);
    expect(calls()).toEqual([]);
  });

  it('tears down the key pair and group when RunInstances fails', async () => {
    ec2Mock
      .on(RunInstancesCommand)
      .rejects(Object.assign(new Error('Not authorized for images'), { name: 'InvalidAMIID.Unavailable' }));
    const outcome = await testArtifact({
      artifact: AMI,
      suites: [suite],
      target: target(),
      toolVersion: 'test',
    });
    expect(outcome.status).toBe('infra');
    expect(outcome.verdict.error).toMatch(
      /^boot failed: RunInstances for ami-0123456789abcdef0 in eu-west-1 failed: InvalidAMIID\.Unavailable/,
    );
    expect(calls()).not.toContain('TerminateInstances');
    // No instance ever used the group: it goes at the first attempt.
    expect(calls().slice(-2)).toEqual(['DeleteKeyPair', 'DeleteSecurityGroup']);
    expect(world.leftovers()).toEqual([]);
  });

  it('gives up on SSH that never comes up within the bound, and still cleans up everything', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const outcome = await testArtifact({
      artifact: AMI,
      suites: [suite],
      target: target({
        sshPort: closed,
        bootDeadlineMs: 1500,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms / 40)),
      }),
      toolVersion: 'test',
    });
    expect(outcome.status).toBe('infra');
    expect(outcome.verdict.error).toMatch(
      /SSH to i-0cc at 127\.0\.0\.1:\d+ did not answer within 1\.5s: .*ECONNREFUSED/,
    );
    expect(calls().filter((c) => c === 'GetConsoleOutput').length).toBeGreaterThan(1);
    expect(calls()).toContain('TerminateInstances');
    expect(calls().slice(-2)).toEqual(['DeleteSecurityGroup', 'DeleteSecurityGroup']);
    expect(calls()).toContain('DeleteKeyPair');
  });

  it('tears down when the suite run throws mid-way', async () => {
    const file = join(tmpdir(), `imagegate-ec2-boom-${process.pid}.yaml`);
    // Kills every process of the login user, the SSH session included: the run ends mid-way.
    writeFileSync(file, 'command:\n  boom:\n    exec: kill -9 -1\n    exit-status: 0\n');
    const outcome = await testArtifact({
      artifact: AMI,
      suites: [await loadSuite(file)],
      target: target(),
      toolVersion: 'test',
    });
    expect(outcome.status).toBe('infra');
    expect(outcome.verdict.error).toMatch(/^infrastructure: /);
    expect(outcome.verdict.logs).toContain('cloud-init: booting');
    expect(calls()).toContain('TerminateInstances');
    expect(calls().at(-1)).toBe('DeleteSecurityGroup');
  });

  it('refuses a host key that does not match the console fingerprints, without retrying', async () => {
    fakeEc2({ console: consoleOutput('SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') });
    const outcome = await testArtifact({
      artifact: AMI,
      suites: [suite],
      target: target(),
      toolVersion: 'test',
    });
    expect(outcome.status).toBe('infra');
    expect(outcome.verdict.error).toMatch(/is not one the instance reported at boot/);
    expect(calls().filter((c) => c === 'GetConsoleOutput')).toHaveLength(2); // one connect attempt + logs
    expect(calls()).toContain('TerminateInstances');
  });

  it('never connects unverified: no console fingerprints within the boot window is an infrastructure failure', async () => {
    fakeEc2({ console: consoleOutput(undefined) });
    const outcome = await testArtifact({
      artifact: AMI,
      suites: [suite],
      target: target({
        bootDeadlineMs: 1500,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms / 40)),
      }),
      toolVersion: 'test',
    });
    expect(outcome.status).toBe('infra');
    expect(outcome.verdict.error).toMatch(
      /printed no SSH host key fingerprints to its console within 1\.5s.*--insecure-ignore-host-key/,
    );
    expect(outcome.verdict.suites).toEqual([]);
    expect(calls()).toContain('TerminateInstances');
  });

  it('with --insecure-ignore-host-key, records the key seen as unverified, with a warning', async () => {
    fakeEc2({ console: consoleOutput(undefined) });
    const outcome = await testArtifact({
      artifact: AMI,
      suites: [suite],
      target: target({ insecureIgnoreHostKey: true }),
      toolVersion: 'test',
    });
    expect(outcome.verdict.error).toBeUndefined();
    expect(outcome.status).toBe('pass');
    expect(outcome.verdict.target).toMatchObject({
      hostKey: {
        fingerprint: hostFingerprint,
        verifiedBy: 'not-verified',
        note: expect.stringMatching(/--insecure-ignore-host-key.*had no host key fingerprints.*not verified/),
        warning: expect.stringMatching(/was not verified/),
      },
    });
  });

  it('without fingerprints and without the flag, connects to nothing, bastion included', async () => {
    fakeEc2({ console: consoleOutput(undefined) });
    const empty = join(tmpdir(), `imagegate-ec2-empty-kh-${process.pid}`);
    writeFileSync(empty, '');
    const outcome = await testArtifact({
      artifact: AMI,
      suites: [suite],
      target: target({
        sshPort: 22,
        knownHosts: empty,
        settings: { sshUser: 'tester', bastion: `tester@127.0.0.1:${server.port}` },
        bootDeadlineMs: 1500,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms / 40)),
      }),
      toolVersion: 'test',
    });
    expect(outcome.status).toBe('infra');
    expect(outcome.verdict.suites).toEqual([]);
  });

  it('reaches a private instance through the bastion, checking the bastion against known_hosts', async () => {
    const [, innerBlob] = inner.hostPublicKey.split(' ');
    fakeEc2({ console: consoleOutput(fingerprint(Buffer.from(innerBlob!, 'base64'))) });
    const knownHosts = join(tmpdir(), `imagegate-ec2-kh-${process.pid}`);
    writeFileSync(knownHosts, `${server.knownHostsLine}\n`);
    const outcome = await testArtifact({
      artifact: AMI,
      suites: [suite],
      target: target({
        sshPort: 22,
        knownHosts,
        settings: { sshUser: 'tester', bastion: `tester@127.0.0.1:${server.port}` },
      }),
      toolVersion: 'test',
    });
    expect(outcome.verdict.error).toBeUndefined();
    expect(outcome.verdict.target).toMatchObject({
      address: `${inner.internalIp}:22`,
      bastion: `tester@127.0.0.1:${server.port}`,
      hostKey: { verifiedBy: 'expected-fingerprint' },
    });
    // An unknown bastion is refused like any other host.
    fakeEc2({ console: consoleOutput(fingerprint(Buffer.from(innerBlob!, 'base64'))) });
    writeFileSync(knownHosts, '');
    const refused = await testArtifact({
      artifact: AMI,
      suites: [suite],
      target: target({
        sshPort: 22,
        knownHosts,
        settings: { sshUser: 'tester', bastion: `tester@127.0.0.1:${server.port}` },
      }),
      toolVersion: 'test',
    });
    expect(refused.verdict.error).toMatch(/\[127\.0\.0\.1\]:\d+: host key .* is not in/);
  });
});
