import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactRef } from '../../src/evidence/verdict.js';
import { testArtifact } from '../../src/gate/test-artifact.js';
import { loadSuite } from '../../src/suite/load.js';
import type { Suite } from '../../src/suite/model.js';
import { Ec2Target } from '../../src/targets/ec2.js';
import { SsmTransport } from '../../src/transports/ssm.js';
import { Ec2TargetWorld } from '../helpers/ec2-target-world.js';
import { requireDocker } from '../helpers/engines.js';
import { type SsmStandIn, startSsmStandIn } from '../helpers/ssm-standin.js';

/**
 * `test` of an AMI with `test.ec2.connect: ssm`: EC2 is mocked as in ec2-target.test.ts; the
 * instance's SSM agent is the stand-in (test/helpers/ssm-standin.ts — moto's SendCommand runs
 * nothing), executing in a real container, through the real SDK.
 */
const ec2Mock = mockClient(EC2Client);
const AMI: ArtifactRef = {
  kind: 'ami',
  id: 'ami-0123456789abcdef0',
  region: 'eu-west-1',
  reference: 'ami-0123456789abcdef0',
};
let standin: SsmStandIn;
let ssm: SSMClient;
let suite: Suite;

beforeAll(async () => {
  requireDocker();
  standin = await startSsmStandIn();
  standin.manage('i-0cc'); // the id Ec2TargetWorld gives the first instance
  ssm = new SSMClient({
    region: 'eu-west-1',
    endpoint: standin.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
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

describe('EC2 target over SSM', () => {
  it('boots without a key or inbound rule, runs suites through SSM and tears down', async () => {
    const world = new Ec2TargetWorld(ec2Mock, { publicIp: '192.0.2.1' });
    const target = new Ec2Target({
      ec2: new EC2Client({ region: 'eu-west-1' }),
      region: 'eu-west-1',
      mark: { runId: 'run-ec2-ssm', ttlSeconds: 3600 },
      settings: { connect: 'ssm', instanceProfile: 'imagegate-ssm' },
      detectCidr: async () => {
        throw new Error('no caller address is needed over SSM');
      },
      sleep: async () => {},
      bootDeadlineMs: 8000,
      openSsm: (id) => SsmTransport.open(ssm, { instanceId: id }, { pollMs: 100, maxPollMs: 300 }),
    });
    const outcome = await testArtifact({ artifact: AMI, suites: [suite], target, toolVersion: 'test' });
    expect(outcome.verdict.error ?? outcome.status).toBe('pass');
    expect(outcome.verdict.suites[0]!.run.summary['failed-count']).toBe(0);
    expect(outcome.verdict.target).toMatchObject({ kind: 'ec2', instanceId: 'i-0cc', connect: 'ssm' });
    const calls = ec2Mock.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
    expect(calls).not.toContain('ImportKeyPair');
    expect(calls).not.toContain('AuthorizeSecurityGroupIngress');
    const run = ec2Mock.calls().find((c) => (c.args[0] as object).constructor.name === 'RunInstancesCommand')!
      .args[0].input as { KeyName?: string; IamInstanceProfile?: { Name?: string } };
    expect(run.KeyName).toBeUndefined();
    expect(run.IamInstanceProfile).toEqual({ Name: 'imagegate-ssm' });
    expect(standin.calls.filter((c) => c.op === 'SendCommand').length).toBeGreaterThan(0);
    expect(world.leftovers()).toEqual([]);
  });

  it('gives up when the agent never comes online, names what to check, and leaves nothing behind', async () => {
    const world = new Ec2TargetWorld(ec2Mock, { publicIp: '192.0.2.1' });
    let tries = 0;
    const target = new Ec2Target({
      ec2: new EC2Client({ region: 'eu-west-1' }),
      region: 'eu-west-1',
      mark: { runId: 'run-ec2-ssm', ttlSeconds: 3600 },
      settings: { connect: 'ssm', instanceProfile: 'imagegate-ssm' },
      sleep: async () => {},
      bootDeadlineMs: 3000,
      openSsm: async (id) => {
        tries++;
        await new Promise((r) => setTimeout(r, 200));
        return SsmTransport.open(ssm, { instanceId: `${id}ffffffff` });
      },
    });
    const outcome = await testArtifact({ artifact: AMI, suites: [suite], target, toolVersion: 'test' });
    expect(outcome.status).toBe('infra');
    expect(outcome.verdict.error).toMatch(
      /i-0cc: SSM agent not online within 3s .*AmazonSSMManagedInstanceCore/,
    );
    expect(tries).toBeGreaterThan(1);
    expect(world.leftovers()).toEqual([]);
  });
});
