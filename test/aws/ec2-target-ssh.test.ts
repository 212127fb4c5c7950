/**
 * Ec2Target's SSH half against moto: moto holds the key pair, security group and instance;
 * two real sshd containers stand in for instances (the proxy reports 127.0.0.1 as the public
 * address, reached on `server`'s mapped port, and `inner`'s Docker network address as the
 * private one, reached through `server` as a bastion). Key injection, host key verification
 * from the console output, running suites and teardown order are real.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactRef } from '../../src/evidence/verdict.js';
import { testArtifact } from '../../src/gate/test-artifact.js';
import { loadSuite } from '../../src/suite/load.js';
import type { Suite } from '../../src/suite/model.js';
import { Ec2Target, type Ec2TargetOptions } from '../../src/targets/ec2.js';
import { requireDocker } from '../helpers/engines.js';
import { type SshdServer, startSshd } from '../helpers/sshd.js';
import { consoleText, hostFingerprint, installLaunchKeys } from './helpers/instance.js';
import { CREDENTIALS, MANAGEMENT } from './helpers/moto.js';
import { useMoto } from './helpers/session.js';

const REGION = 'eu-west-1';
const moto = useMoto({ region: REGION });
let ami: ArtifactRef;
let server: SshdServer;
/** A second "instance" with only a private address, reached through `server` as the bastion. */
let inner: SshdServer;
let suite: Suite;
const noSleep = async () => {};

function target(extra: Partial<Ec2TargetOptions> = {}): Ec2Target {
  return new Ec2Target({
    ec2: new EC2Client({ region: REGION, endpoint: moto.proxy.endpoint, credentials: CREDENTIALS }),
    region: REGION,
    mark: { runId: 'run-ec2-test', ttlSeconds: 3600 },
    settings: { sshUser: 'tester', instanceType: 't3.small' },
    detectCidr: async () => '198.51.100.23/32',
    sshPort: server.port,
    sleep: noSleep,
    bootDeadlineMs: 8000,
    ...extra,
  });
}

/** The EC2 actions the product called, in order (the proxy's log). */
const calls = () => moto.proxy.calls.map((c) => c.action);
const leftovers = () => moto.world.leftovers(MANAGEMENT, REGION);

beforeAll(async () => {
  requireDocker();
  [server, inner] = await Promise.all([startSshd(), startSshd()]);
  installLaunchKeys(moto.proxy, () => [server, inner]);
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
beforeEach(async () => {
  const image = await moto.world.image(MANAGEMENT, REGION, 'web-under-test');
  ami = { kind: 'ami', id: image.id, region: REGION, reference: image.id };
  moto.proxy.instanceAddress('127.0.0.1', inner.internalIp);
  // moto's console output is a fixed kernel log without host key fingerprints; cloud-init
  // prints them, so the proxy shows the stand-in's.
  moto.proxy.consoleOutput(consoleText(hostFingerprint(server)));
});

describe('Ec2Target against moto, SSH to stand-in sshd containers', () => {
  it('boots, verifies the host key from console output, runs suites over SSH and tears down in order', async () => {
    // moto's instances run at once, and it deletes a group whose instance just terminated; AWS
    // shows pending first and refuses the group while the instance's network interface lingers.
    moto.proxy.bootStates(['pending', 'running']);
    moto.proxy.fault({ action: 'DeleteSecurityGroup', times: 1, code: 'DependencyViolation', status: 400 });
    const outcome = await testArtifact({
      artifact: ami,
      suites: [suite],
      target: target(),
      toolVersion: 'test',
    });
    expect(outcome.verdict.error ?? outcome.status).toBe('pass');
    expect(outcome.verdict.suites[0]?.run.summary['failed-count']).toBe(0);
    expect(outcome.verdict.target).toMatchObject({
      kind: 'ec2',
      instanceId: expect.stringMatching(/^i-[0-9a-f]+$/),
      instanceType: 't3.small',
      imdsv2: 'required',
      sshAllowedFrom: '198.51.100.23/32',
      hostKey: { fingerprint: hostFingerprint(server), verifiedBy: 'expected-fingerprint' },
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
      'DescribeInstances', // terminated
      'DeleteKeyPair',
      'DeleteSecurityGroup', // DependencyViolation while the ENI lingers
      'DeleteSecurityGroup',
    ]);
    expect(await leftovers()).toEqual([]);
  });

  it('refuses 0.0.0.0/0 before creating anything', async () => {
    const t = target({ settings: { sshUser: 'tester', allowCidr: '0.0.0.0/0' } });
    await expect(t.boot(ami)).rejects.toThrow(/would open SSH to a \/0/);
    expect(calls()).toEqual([]);
  });

  it('tears down the key pair and group when RunInstances fails', async () => {
    // An AMI this account may not launch: moto launches anything, so the proxy refuses it.
    moto.proxy.fault({
      action: 'RunInstances',
      code: 'InvalidAMIID.Unavailable',
      message: 'Not authorized for images',
      status: 400,
    });
    const outcome = await testArtifact({
      artifact: ami,
      suites: [suite],
      target: target(),
      toolVersion: 'test',
    });
    expect(outcome.status).toBe('infra');
    expect(outcome.verdict.error).toMatch(
      new RegExp(`^boot failed: RunInstances for ${ami.id} in ${REGION} failed: InvalidAMIID\\.Unavailable`),
    );
    expect(calls()).not.toContain('TerminateInstances');
    // No instance ever used the group: it goes at the first attempt.
    expect(calls().slice(-2)).toEqual(['DeleteKeyPair', 'DeleteSecurityGroup']);
    expect(await leftovers()).toEqual([]);
  });

  it('tears down when the suite run throws mid-way', async () => {
    const file = join(tmpdir(), `imagegate-ec2-boom-${process.pid}.yaml`);
    // Kills every process of the login user, the SSH session included: the run ends mid-way.
    writeFileSync(file, 'command:\n  boom:\n    exec: kill -9 -1\n    exit-status: 0\n');
    const outcome = await testArtifact({
      artifact: ami,
      suites: [await loadSuite(file)],
      target: target(),
      toolVersion: 'test',
    });
    expect(outcome.status).toBe('infra');
    expect(outcome.verdict.error).toMatch(/^infrastructure: /);
    expect(outcome.verdict.logs).toContain('cloud-init: booting');
    expect(calls()).toContain('TerminateInstances');
    expect(calls().at(-1)).toBe('DeleteSecurityGroup');
    expect(await leftovers()).toEqual([]);
  });

  it('refuses a host key that does not match the console fingerprints, without retrying', async () => {
    moto.proxy.consoleOutput(consoleText('SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'));
    const outcome = await testArtifact({
      artifact: ami,
      suites: [suite],
      target: target(),
      toolVersion: 'test',
    });
    expect(outcome.status).toBe('infra');
    expect(outcome.verdict.error).toMatch(/is not one the instance reported at boot/);
    expect(calls().filter((c) => c === 'GetConsoleOutput')).toHaveLength(2); // one connect attempt + logs
    expect(calls()).toContain('TerminateInstances');
    expect(await leftovers()).toEqual([]);
  });

  describe("moto's own console output (no host key fingerprints)", () => {
    beforeEach(() => moto.proxy.consoleOutput(undefined));

    it('never connects unverified: no console fingerprints within the boot window is an infrastructure failure', async () => {
      const outcome = await testArtifact({
        artifact: ami,
        suites: [suite],
        target: target({ bootDeadlineMs: 1500, sleep: (ms) => new Promise((r) => setTimeout(r, ms / 40)) }),
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
      const outcome = await testArtifact({
        artifact: ami,
        suites: [suite],
        target: target({ insecureIgnoreHostKey: true }),
        toolVersion: 'test',
      });
      expect(outcome.verdict.error).toBeUndefined();
      expect(outcome.status).toBe('pass');
      expect(outcome.verdict.target).toMatchObject({
        hostKey: {
          fingerprint: hostFingerprint(server),
          verifiedBy: 'not-verified',
          note: expect.stringMatching(
            /--insecure-ignore-host-key.*had no host key fingerprints.*not verified/,
          ),
          warning: expect.stringMatching(/was not verified/),
        },
      });
    });

    it('without fingerprints and without the flag, connects to nothing, bastion included', async () => {
      const empty = join(tmpdir(), `imagegate-ec2-empty-kh-${process.pid}`);
      writeFileSync(empty, '');
      const outcome = await testArtifact({
        artifact: ami,
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
  });

  it('reaches a private instance through the bastion, checking the bastion against known_hosts', async () => {
    moto.proxy.consoleOutput(consoleText(hostFingerprint(inner)));
    const knownHosts = join(tmpdir(), `imagegate-ec2-kh-${process.pid}`);
    writeFileSync(knownHosts, `${server.knownHostsLine}\n`);
    const viaBastion = () =>
      target({
        sshPort: 22,
        knownHosts,
        settings: { sshUser: 'tester', bastion: `tester@127.0.0.1:${server.port}` },
      });
    const outcome = await testArtifact({
      artifact: ami,
      suites: [suite],
      target: viaBastion(),
      toolVersion: 'test',
    });
    expect(outcome.verdict.error).toBeUndefined();
    expect(outcome.verdict.target).toMatchObject({
      address: `${inner.internalIp}:22`,
      bastion: `tester@127.0.0.1:${server.port}`,
      hostKey: { verifiedBy: 'expected-fingerprint' },
    });
    // An unknown bastion is refused like any other host.
    writeFileSync(knownHosts, '');
    const refused = await testArtifact({
      artifact: ami,
      suites: [suite],
      target: viaBastion(),
      toolVersion: 'test',
    });
    expect(refused.verdict.error).toMatch(/\[127\.0\.0\.1\]:\d+: host key .* is not in/);
    expect(await leftovers()).toEqual([]);
  });
});
