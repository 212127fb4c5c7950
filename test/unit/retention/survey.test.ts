import { DescribeImagesCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { Scope } from '../../../src/retention/model.js';
import { normalizeRules } from '../../../src/retention/rules.js';
import { survey } from '../../../src/retention/survey.js';
import { emptyScope, type ScopeData, sdkImage } from '../../helpers/aws-world.js';
import { mockWorld } from './mocks.js';

const NOW = new Date('2026-11-28T08:00:00.000Z');
const A: Scope = {
  account: '111111111111',
  region: 'eu-west-1',
  roleArn: 'arn:aws:iam::111111111111:role/p',
};
const { rules } = normalizeRules({ keepNewest: 1, keepYoungerThanDays: 7, retainAtLeast: 0 });

const ami = (n: number) => `ami-${n.toString(16).padStart(17, '0')}`;

/** `count` images of family web, one per day going back, newest first. */
function webImages(count: number, offset = 0) {
  return Array.from({ length: count }, (_, n) => sdkImage(ami(offset + n), 10 + n, 'web', NOW));
}

async function run(world: Array<[Scope, ScopeData]>, ssmParameters: string[] = []) {
  const { aws, mocks } = mockWorld(world);
  const result = await survey(
    aws,
    { scopes: world.map(([s]) => s), failures: [], organizationWide: false },
    { rules, ssmParameters, concurrency: 4, now: NOW },
  );
  const byId = new Map(result.plan.decisions.map((d) => [d.image.id, d]));
  return { ...result, byId, aws, mocks };
}

/*
 * What stays here, on the fake world, is what moto cannot show: paging at AWS's page sizes
 * (seeding thousands of images in moto costs minutes) and launch templates that name their AMI
 * as `resolve:ssm:…` (moto does not resolve aliases). Throttling, launch permissions and
 * failing sources run against moto in test/aws/survey.test.ts; every usage source, through the
 * command, in test/aws/prune.test.ts.
 */
describe('survey: inventory', () => {
  it('pages DescribeImages at 1,000 with deprecated and disabled images included', async () => {
    const d = emptyScope();
    d.images = webImages(2500);
    d.images[2000]!.State = 'disabled';
    d.images[2001]!.DeprecationTime = NOW.toISOString();
    const { plan, mocks, aws } = await run([[A, d]]);
    expect(plan.summary.images).toBe(2500);
    const calls = mocks.get('111111111111/eu-west-1')!.ec2.commandCalls(DescribeImagesCommand);
    expect(calls).toHaveLength(3);
    expect(calls[0]!.args[0].input).toMatchObject({
      Owners: ['self'],
      IncludeDeprecated: true,
      IncludeDisabled: true,
      MaxResults: 1000,
    });
    expect(calls.map((c) => c.args[0].input.NextToken)).toEqual([undefined, '1000', '2000']);
    expect(aws.caller.counts.get('ec2:DescribeImages')).toBe(3);
  });
});

describe('survey: usage sources keep images', () => {
  // The whole set at the fake's page sizes (250 template versions), with resolve:ssm, which moto lacks.
  it('finds stopped instances, every launch template version (incl. resolve:ssm), launch configurations and SSM parameters', async () => {
    const d = emptyScope();
    d.images = webImages(8);
    const [, i1, i2, i3, i4, i5, i6] = d.images.map((i) => i.ImageId as string);
    d.instances = [
      { InstanceId: 'i-stopped', ImageId: i1, State: { Name: 'stopped' } },
      { InstanceId: 'i-gone', ImageId: i6, State: { Name: 'terminated' } },
    ];
    d.launchTemplates = [
      // An old version, not $Latest/$Default, still pins i2.
      {
        id: 'lt-1',
        versions: [{ number: 1, imageId: i2 }, ...Array.from({ length: 250 }, (_, n) => ({ number: n + 2 }))],
      },
      { id: 'lt-2', versions: [{ number: 1, imageId: 'resolve:ssm:/golden/web' }] },
    ];
    d.parameters = [
      { name: '/golden/web', value: i3 as string },
      { name: '/pipelines/web/current', value: JSON.stringify({ ami: i5 }) },
    ];
    d.launchConfigurations = [{ name: 'lc-old', imageId: i4 as string }];
    d.groups = [{ name: 'asg-web', launchConfiguration: 'lc-old' }];
    const { byId, mocks } = await run([[A, d]], ['/pipelines/']);
    const codes = (id?: string) =>
      byId
        .get(id as string)
        ?.reasons.filter((r) => r.code === 'in-use')
        .map((r) => r.detail);
    expect(codes(i1)).toEqual(['instance in 111111111111/eu-west-1: i-stopped (stopped)']);
    expect(codes(i2)).toEqual(['launch-template in 111111111111/eu-west-1: lt-1 v1']);
    expect(codes(i3)).toEqual(['launch-template in 111111111111/eu-west-1: lt-2 v1']);
    expect(codes(i4)).toEqual([
      'auto-scaling-group in 111111111111/eu-west-1: asg-web (lc-old)',
      'launch-configuration in 111111111111/eu-west-1: lc-old',
    ]);
    expect(codes(i5)).toEqual(['ssm-parameter in 111111111111/eu-west-1: /pipelines/web/current']);
    expect(byId.get(i6 as string)?.action).toBe('deprecate');
    const inst = mocks.get('111111111111/eu-west-1')!.ec2.commandCalls(DescribeInstancesCommand)[0]!
      .args[0].input;
    expect(inst.Filters?.[0]?.Values).toEqual(['pending', 'running', 'shutting-down', 'stopping', 'stopped']);
  });
});

describe('survey: fail closed', () => {
  it('fails the launch template source when a resolve:ssm alias does not resolve', async () => {
    const d = emptyScope();
    d.images = webImages(3);
    d.launchTemplates = [{ id: 'lt-9', versions: [{ number: 4, imageId: 'resolve:ssm:/missing' }] }];
    const { plan } = await run([[A, d]]);
    expect(plan.failures[0]).toMatchObject({ source: 'launch-template' });
    expect(plan.failures[0]?.error).toContain('lt-9 v4');
    expect(plan.summary.deprecate).toBe(0);
  });
});
