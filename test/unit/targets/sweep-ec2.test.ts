import {
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ephemeralTags } from '../../../src/targets/labels.js';
import { findEc2 } from '../../../src/targets/sweep.js';

/*
 * What sweep finds and removes, in what order, and what it leaves when an instance will not
 * terminate, runs against moto in test/aws/sweep.test.ts. Only this stays mocked: EC2 may answer
 * an empty page that still carries a NextToken, and moto never does.
 */
const ec2Mock = mockClient(EC2Client);
const ec2 = new EC2Client({ region: 'eu-west-1' });
const now = new Date('2026-11-28T12:00:00Z');
const old = ephemeralTags({ runId: 'old', createdAt: new Date('2026-11-28T08:00:00Z'), ttlSeconds: 7200 });
const fresh = ephemeralTags({
  runId: 'fresh',
  createdAt: new Date('2026-11-28T11:30:00Z'),
  ttlSeconds: 7200,
});

beforeEach(() => ec2Mock.reset());

describe('sweep: finding EC2 leaks', () => {
  it('follows every page, past an empty page that carries a token', async () => {
    ec2Mock
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [{ Instances: [{ InstanceId: 'i-old', State: { Name: 'running' }, Tags: old }] }],
        NextToken: 't1',
      })
      .resolvesOnce({ Reservations: [], NextToken: 't2' })
      .resolvesOnce({
        Reservations: [{ Instances: [{ InstanceId: 'i-fresh', State: { Name: 'stopped' }, Tags: fresh }] }],
      });
    ec2Mock.on(DescribeKeyPairsCommand).resolves({ KeyPairs: [] });
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });

    const found = await findEc2(ec2, 'eu-west-1', now);
    expect(found.map((c) => [c.kind, c.id, c.expiry.expired])).toEqual([
      ['instance', 'i-old', true],
      ['instance', 'i-fresh', false],
    ]);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input.NextToken)).toEqual([
      undefined,
      't1',
      't2',
    ]);
  });
});
