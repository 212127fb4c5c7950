import {
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ephemeralTags } from '../../../src/targets/labels.js';
import { findEc2, removeEc2 } from '../../../src/targets/sweep.js';

const ec2Mock = mockClient(EC2Client);
const ec2 = new EC2Client({ region: 'eu-west-1' });
const now = new Date('2026-11-28T12:00:00Z');
const old = ephemeralTags({ runId: 'old', createdAt: new Date('2026-11-28T08:00:00Z'), ttlSeconds: 7200 });
const fresh = ephemeralTags({
  runId: 'fresh',
  createdAt: new Date('2026-11-28T11:30:00Z'),
  ttlSeconds: 7200,
});
const noSleep = { sleep: async () => {} };
const names = () =>
  ec2Mock.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));

beforeEach(() => ec2Mock.reset());

describe('sweep: finding EC2 leaks', () => {
  it('follows every page, filters on the ephemeral tag and judges each resource by its own tags', async () => {
    ec2Mock
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [{ Instances: [{ InstanceId: 'i-old', State: { Name: 'running' }, Tags: old }] }],
        NextToken: 't1',
      })
      // EC2 may return an empty page with a token: keep going.
      .resolvesOnce({ Reservations: [], NextToken: 't2' })
      .resolvesOnce({
        Reservations: [{ Instances: [{ InstanceId: 'i-fresh', State: { Name: 'stopped' }, Tags: fresh }] }],
      });
    ec2Mock
      .on(DescribeKeyPairsCommand)
      .resolves({ KeyPairs: [{ KeyPairId: 'key-1', KeyName: 'imagegate-old', Tags: old }] });
    ec2Mock
      .on(DescribeSecurityGroupsCommand)
      .resolves({ SecurityGroups: [{ GroupId: 'sg-1', GroupName: 'imagegate-old', Tags: old }] });

    const found = await findEc2(ec2, 'eu-west-1', now);
    expect(found.map((c) => [c.kind, c.id, c.expiry.expired])).toEqual([
      ['instance', 'i-old', true],
      ['instance', 'i-fresh', false],
      ['key-pair', 'key-1', true],
      ['security-group', 'sg-1', true],
    ]);
    const first = ec2Mock.commandCalls(DescribeInstancesCommand)[0]!.args[0].input;
    expect(first.Filters).toContainEqual({ Name: 'tag:imagegate:ephemeral', Values: ['true'] });
    expect(ec2Mock.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input.NextToken)).toEqual([
      undefined,
      't1',
      't2',
    ]);
    expect(ec2Mock.commandCalls(DescribeKeyPairsCommand)[0]!.args[0].input.Filters).toEqual([
      { Name: 'tag:imagegate:ephemeral', Values: ['true'] },
    ]);
  });
});

describe('sweep: removing EC2 leaks', () => {
  const leaks = async () => {
    ec2Mock.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: 'i-old', State: { Name: 'running' }, Tags: old }] }],
    });
    ec2Mock.on(DescribeKeyPairsCommand).resolves({ KeyPairs: [{ KeyPairId: 'key-1', Tags: old }] });
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-1', Tags: old }] });
    const found = await findEc2(ec2, 'eu-west-1', now);
    ec2Mock.reset();
    return found;
  };

  it('terminates, waits for termination, then deletes the key pair and the group through DependencyViolation', async () => {
    const found = await leaks();
    let state = 'running';
    ec2Mock.on(TerminateInstancesCommand).callsFake(() => {
      state = 'shutting-down';
      return {};
    });
    ec2Mock.on(DescribeInstancesCommand).callsFake(() => {
      const s = state;
      state = 'terminated';
      return { Reservations: [{ Instances: [{ InstanceId: 'i-old', State: { Name: s } }] }] };
    });
    ec2Mock.on(DeleteKeyPairCommand).resolves({});
    ec2Mock
      .on(DeleteSecurityGroupCommand)
      .rejectsOnce(Object.assign(new Error('in use'), { name: 'DependencyViolation' }))
      .resolves({});
    const outcomes = await removeEc2(ec2, found, noSleep);
    expect(outcomes.every((o) => o.removed)).toBe(true);
    expect(names()).toEqual([
      'TerminateInstances',
      'DescribeInstances',
      'DescribeInstances',
      'DeleteKeyPair',
      'DeleteSecurityGroup',
      'DeleteSecurityGroup',
    ]);
  });

  it('leaves the group when its instance will not terminate, and reports both', async () => {
    const found = await leaks();
    ec2Mock
      .on(TerminateInstancesCommand)
      .rejects(Object.assign(new Error('protected'), { name: 'OperationNotPermitted' }));
    ec2Mock.on(DeleteKeyPairCommand).resolves({});
    const outcomes = await removeEc2(ec2, found, noSleep);
    expect(outcomes.map((o) => [o.candidate.kind, o.removed])).toEqual([
      ['instance', false],
      ['key-pair', true],
      ['security-group', false],
    ]);
    expect(outcomes[2]!.error).toMatch(/instances are not terminated/);
    expect(names()).not.toContain('DeleteSecurityGroup');
  });
});
