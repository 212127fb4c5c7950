/**
 * `test` of an AMI with `test.ec2.connect: ssm`: moto holds the instance, its instance profile,
 * and whatever key pair or security group the target would create; the suite runs through SSM
 * Run Command. moto's SendCommand records a command and runs nothing, so SSM itself is the
 * stand-in (test/helpers/ssm-standin.ts), which executes in a real container, through the real SDK.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactRef } from '../../src/evidence/verdict.js';
import { testArtifact } from '../../src/gate/test-artifact.js';
import { loadSuite } from '../../src/suite/load.js';
import type { Suite } from '../../src/suite/model.js';
import { Ec2Target, type Ec2TargetOptions } from '../../src/targets/ec2.js';
import { SsmTransport } from '../../src/transports/ssm.js';
import { requireDocker } from '../helpers/engines.js';
import { type SsmStandIn, startSsmStandIn } from '../helpers/ssm-standin.js';
import { CREDENTIALS, MANAGEMENT } from './helpers/moto.js';
import { useMoto } from './helpers/session.js';

const REGION = 'eu-west-1';
const PROFILE = 'imagegate-ssm';
const moto = useMoto({ region: REGION });
let standin: SsmStandIn;
let ssm: SSMClient;
let suite: Suite;
let ami: ArtifactRef;

beforeAll(async () => {
  requireDocker();
  standin = await startSsmStandIn();
  // SSM is the stand-in, not moto (see above): the SDK reaches it by endpoint.
  ssm = new SSMClient({ region: REGION, endpoint: standin.endpoint, credentials: CREDENTIALS });
  const file = join(tmpdir(), `imagegate-ec2-ssm-suite-${process.pid}.yaml`);
  writeFileSync(
    file,
    'file:\n  /etc/debian_version:\n    exists: true\ncommand:\n  id -u:\n    exit-status: 0\n    stdout: ["0"]\n',
  );
  suite = await loadSuite(file);
});
afterAll(async () => {
  ssm?.destroy();
  await standin?.stop();
});
beforeEach(async () => {
  const image = await moto.world.image(MANAGEMENT, REGION, 'web-under-test');
  ami = { kind: 'ami', id: image.id, region: REGION, reference: image.id };
  // moto refuses RunInstances naming an instance profile that does not exist, as EC2 does.
  await moto.world.iamRole(MANAGEMENT, PROFILE);
  moto.proxy.bootStates(['pending', 'running']);
});

function target(extra: Partial<Ec2TargetOptions>): Ec2Target {
  return new Ec2Target({
    ec2: new EC2Client({ region: REGION, endpoint: moto.proxy.endpoint, credentials: CREDENTIALS }),
    region: REGION,
    mark: { runId: 'run-ec2-ssm', ttlSeconds: 3600 },
    settings: { connect: 'ssm', instanceProfile: PROFILE },
    detectCidr: async () => {
      throw new Error('no caller address is needed over SSM');
    },
    sleep: async () => {},
    ...extra,
  });
}

const launched = async () =>
  (
    (await moto.world.ec2(MANAGEMENT, REGION).send(new DescribeInstancesCommand({}))).Reservations ?? []
  ).flatMap((r) => r.Instances ?? []);

describe('EC2 target over SSM (moto for EC2, the stand-in for Run Command)', () => {
  it('boots without a key or inbound rule, with the instance profile, runs suites through SSM and tears down', async () => {
    const t = target({
      bootDeadlineMs: 8000,
      openSsm: (id) => {
        // The instance's agent registers with SSM once it boots; moto boots nothing, so the
        // stand-in takes the id moto gave the instance as its managed node.
        standin.manage(id);
        return SsmTransport.open(ssm, { instanceId: id }, { pollMs: 100, maxPollMs: 300 });
      },
    });
    const sent = standin.calls.filter((c) => c.op === 'SendCommand').length;
    const outcome = await testArtifact({ artifact: ami, suites: [suite], target: t, toolVersion: 'test' });
    expect(outcome.verdict.error ?? outcome.status).toBe('pass');
    expect(outcome.verdict.suites[0]!.run.summary['failed-count']).toBe(0);
    const [instance] = await launched();
    expect(outcome.verdict.target).toMatchObject({
      kind: 'ec2',
      instanceId: instance?.InstanceId,
      connect: 'ssm',
    });
    expect(instance?.ImageId).toBe(ami.id);
    expect(instance?.KeyName).toBeUndefined();
    // Termination drops the profile association in moto, so read what RunInstances asked for.
    const run = moto.proxy.calls.find((c) => c.action === 'RunInstances');
    expect(run?.params['IamInstanceProfile.Name']).toBe(PROFILE);
    expect(Object.keys(run?.params ?? {}).filter((k) => k.startsWith('KeyName'))).toEqual([]);
    const actions = moto.proxy.calls.map((c) => c.action);
    expect(actions).not.toContain('ImportKeyPair');
    expect(actions).not.toContain('AuthorizeSecurityGroupIngress');
    const sentNow = standin.calls.filter((c) => c.op === 'SendCommand');
    expect(sentNow.length).toBeGreaterThan(sent);
    expect(sentNow.at(-1)?.body.InstanceIds).toEqual([instance?.InstanceId]);
    expect(await moto.world.leftovers(MANAGEMENT, REGION)).toEqual([]);
  });

  it('gives up when the agent never comes online, names what to check, and leaves nothing behind', async () => {
    let tries = 0;
    const t = target({
      bootDeadlineMs: 3000,
      // The agent never registers: the stand-in does not know this instance.
      openSsm: async (id) => {
        tries++;
        await new Promise((r) => setTimeout(r, 200));
        return SsmTransport.open(ssm, { instanceId: id });
      },
    });
    const outcome = await testArtifact({ artifact: ami, suites: [suite], target: t, toolVersion: 'test' });
    expect(outcome.status).toBe('infra');
    const [instance] = await launched();
    expect(outcome.verdict.error).toMatch(
      new RegExp(`${instance?.InstanceId}: SSM agent not online within 3s .*AmazonSSMManagedInstanceCore`),
    );
    expect(tries).toBeGreaterThan(1);
    expect(await moto.world.leftovers(MANAGEMENT, REGION)).toEqual([]);
  });
});
