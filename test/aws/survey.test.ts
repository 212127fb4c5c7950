/**
 * Retention's survey against moto, below the command: what it asks (launch permissions only of
 * images it would retire), how it survives throttling, and how one failing source or account
 * closes that scope only, with the failure recorded as the report shows it. Two accounts in
 * eu-west-1, reached by assuming roles as in AWS; faults come from the test proxy (moto
 * neither throttles nor denies). The usage sources themselves are covered through the command
 * in prune.test.ts; here are the ones that need a closer look: launch templates naming their AMI
 * as `resolve:ssm:…`, instance states, and DescribeImages paging at AWS's 1,000 (the proxy pages
 * moto's answer, see its 19.; 1,001 images cost about 8 s to seed).
 */
import {
  CreateLaunchTemplateCommand,
  DisableImageCommand,
  EC2Client,
  EnableImageDeprecationCommand,
  RegisterImageCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import type { Scope } from '../../src/retention/model.js';
import { normalizeRules } from '../../src/retention/rules.js';
import { survey } from '../../src/retention/survey.js';
import { clientIn } from './helpers/moto.js';
import type { Fault } from './helpers/proxy.js';
import { pruneScope, retentionAws } from './helpers/retention.js';
import { useMoto } from './helpers/session.js';
import type { SeededImage } from './helpers/world.js';

const REGION = 'eu-west-1';
const moto = useMoto({ region: REGION });
const scope = (account: string): Scope => pruneScope(account, REGION);
const A = scope('111111111111');
const B = scope('222222222222');
const { rules } = normalizeRules({ keepNewest: 1, keepYoungerThanDays: 7, retainAtLeast: 0 });

/** `count` images of family web in `s`, one a day older from 10 days back. */
async function webImages(s: Scope, count: number): Promise<SeededImage[]> {
  return Promise.all(
    Array.from({ length: count }, (_, n) =>
      moto.world.image(s.account, s.region, `web-${n}`, {
        ageDays: 10 + n,
        tags: { 'imagegate:family': 'web' },
      }),
    ),
  );
}

/**
 * The survey as prune runs it: real clients (AWS_ENDPOINT_URL → the proxy), without the SDK's
 * own retries (its backoff sleeps for real) so the caller's retries, with no waits, are counted.
 */
async function run(scopes: Scope[], ssmParameters: string[] = []) {
  const aws = retentionAws();
  const result = await survey(
    aws,
    { scopes, failures: [], organizationWide: false },
    { rules, ssmParameters, concurrency: 2, now: new Date() },
  );
  return { ...result, aws };
}

const productCalls = (action: string, account?: string) =>
  moto.proxy.calls.filter((c) => c.action === action && (!account || c.account === account));

describe('survey against moto', () => {
  it('reads launch permissions only for images the plan would retire', async () => {
    const images = await webImages(A, 5);
    await moto.world.image(A.account, REGION, 'web-young', {
      ageDays: 1,
      tags: { 'imagegate:family': 'web' },
    });
    const { plan } = await run([A]);
    // The young one is also the newest: kept without asking; the five older ones are candidates.
    expect(plan.summary.deprecate).toBe(5);
    expect(
      productCalls('DescribeImageAttribute')
        .map((c) => c.params.ImageId)
        .sort(),
    ).toEqual(images.map((i) => i.id).sort());
    expect(plan.needLaunchPermissions).toEqual([]);
  });

  it('retries RequestLimitExceeded and completes the listing', async () => {
    await webImages(A, 3);
    moto.proxy.fault({ action: 'DescribeInstances', times: 2, code: 'RequestLimitExceeded', status: 503 });
    const { plan, aws } = await run([A]);
    expect(plan.failures).toEqual([]);
    expect(plan.summary.deprecate).toBe(2);
    expect(aws.caller.counts.get('ec2:DescribeInstances')).toBe(3);
  });

  it.each<[string, string, Omit<Fault, 'account'>, string]>([
    [
      'AccessDenied on launch templates',
      'launch-template',
      { action: 'DescribeLaunchTemplates', code: 'UnauthorizedOperation', message: 'You are not authorized' },
      'UnauthorizedOperation: You are not authorized',
    ],
    [
      'throttled out on instances',
      'instance',
      {
        action: 'DescribeInstances',
        code: 'RequestLimitExceeded',
        message: 'Request limit exceeded.',
        status: 503,
      },
      'RequestLimitExceeded: Request limit exceeded.',
    ],
  ])(
    '%s: nothing in that scope is retired, other scopes are, the report says why',
    async (_what, source, fault, error) => {
      const inA = await webImages(A, 4);
      const inB = await webImages(B, 4);
      moto.proxy.fault({ ...fault, account: B.account });
      const { plan } = await run([A, B]);
      const decisionsIn = (s: Scope) => plan.decisions.filter((d) => d.image.account === s.account);
      expect(decisionsIn(B).map((d) => [d.action, d.reasons[0]?.code])).toEqual(
        inB.map(() => ['keep', 'scope-incomplete']),
      );
      expect(decisionsIn(B)[0]?.reasons[0]?.detail).toContain(error);
      expect(plan.failures).toHaveLength(1);
      expect(plan.failures[0]).toMatchObject({ account: B.account, region: REGION, source });
      expect(plan.failures[0]?.error).toContain(error);
      expect(decisionsIn(A).filter((d) => d.action === 'deprecate')).toHaveLength(inA.length - 1);
    },
  );

  it('an account whose role cannot be assumed: none of its sources is read, each is recorded, other accounts proceed', async () => {
    const inA = await webImages(A, 4);
    await webImages(B, 4);
    // AssumeRole is called from the caller's account, naming B's role.
    moto.proxy.fault({
      action: 'AssumeRole',
      when: (p) => String(p.RoleArn) === B.roleArn,
      code: 'AccessDenied',
      message: 'sts:AssumeRole denied',
    });
    const { plan } = await run([A, B]);
    // B's images were never listed, so nothing in B can be decided, let alone retired.
    expect(plan.decisions.filter((d) => d.image.account === B.account)).toEqual([]);
    const failed = plan.failures.filter((f) => f.account === B.account);
    expect(failed.map((f) => f.source)).toEqual(
      expect.arrayContaining(['images', 'instance', 'launch-template']),
    );
    for (const f of failed) expect(f.error).toBe('AccessDenied: sts:AssumeRole denied');
    expect(plan.failures.filter((f) => f.account !== B.account)).toEqual([]);
    expect(plan.decisions.filter((d) => d.action === 'deprecate')).toHaveLength(inA.length - 1);
  });
});

describe('survey against moto: inventory and usage in detail', () => {
  it('pages DescribeImages at 1,000, deprecated and disabled images included', async () => {
    const ec2 = moto.world.ec2(A.account, REGION);
    const ids: string[] = [];
    let next = 0;
    // Bounded, so moto is not handed a thousand requests at once.
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 1001) {
          const n = next++;
          ids[n] = (await ec2.send(new RegisterImageCommand({ Name: `bulk-${n}` }))).ImageId as string;
        }
      }),
    );
    // Hidden from a default DescribeImages, yet they hold snapshots: the survey must see them.
    const viaProxy = clientIn(EC2Client, A.account, REGION, moto.proxy.endpoint);
    await viaProxy.send(
      new EnableImageDeprecationCommand({
        ImageId: ids[1000],
        DeprecateAt: new Date(Date.now() - 86_400_000),
      }),
    );
    await viaProxy.send(new DisableImageCommand({ ImageId: ids[999] }));
    moto.proxy.calls.length = 0;

    const { plan, aws } = await run([A]);
    expect(plan.summary.images).toBe(1001);
    const pages = productCalls('DescribeImages');
    expect(pages).toHaveLength(2);
    expect(pages[0]?.params).toMatchObject({
      'Owner.1': 'self',
      IncludeDeprecated: 'true',
      IncludeDisabled: 'true',
      MaxResults: '1000',
    });
    expect(pages.map((c) => c.params.NextToken)).toEqual([undefined, '1000']);
    expect(aws.caller.counts.get('ec2:DescribeImages')).toBe(2);
  });

  it('a launch template naming its AMI as resolve:ssm holds the AMI the parameter points at; a JSON parameter holds the AMI it names; only live instances hold theirs', async () => {
    const [viaAlias, stopped, terminated, free, inJson] = await webImages(A, 5);
    const ec2 = moto.world.ec2(A.account, REGION);
    const ssm = moto.world.ssm(A.account, REGION);
    await ssm.send(new PutParameterCommand({ Name: '/golden/web', Value: viaAlias?.id, Type: 'String' }));
    // A pipeline's parameter holding JSON that names the AMI among other fields.
    await ssm.send(
      new PutParameterCommand({
        Name: '/pipelines/web/current',
        Value: JSON.stringify({ ami: inJson?.id, build: 42 }),
        Type: 'String',
      }),
    );
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'by-alias',
        LaunchTemplateData: { ImageId: 'resolve:ssm:/golden/web' },
      }),
    );
    const launch = async (imageId?: string) =>
      (await ec2.send(new RunInstancesCommand({ ImageId: imageId, MinCount: 1, MaxCount: 1 }))).Instances?.[0]
        ?.InstanceId as string;
    const s = await launch(stopped?.id);
    await ec2.send(new StopInstancesCommand({ InstanceIds: [s] }));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [await launch(terminated?.id)] }));

    const { plan } = await run([A], ['/pipelines/']);
    expect(plan.failures).toEqual([]);
    const inUse = (id?: string) =>
      plan.decisions
        .find((d) => d.image.id === id)
        ?.reasons.filter((r) => r.code === 'in-use')
        .map((r) => r.detail);
    expect(inUse(viaAlias?.id)).toEqual([
      expect.stringMatching(/^launch-template in 111111111111\/eu-west-1: lt-\w+ v1$/),
    ]);
    expect(inUse(stopped?.id)).toEqual([`instance in 111111111111/eu-west-1: ${s} (stopped)`]);
    expect(inUse(inJson?.id)).toEqual(['ssm-parameter in 111111111111/eu-west-1: /pipelines/web/current']);
    // A terminated instance launches nothing again: its image is retired like a free one.
    for (const i of [terminated, free]) {
      expect(plan.decisions.find((d) => d.image.id === i?.id)?.action).toBe('deprecate');
    }
    const listed = productCalls('DescribeLaunchTemplateVersions')[0]?.params;
    expect(listed?.ResolveAlias).toBe('true');
  });

  it('fails the launch template source, closed, when a resolve:ssm alias does not resolve', async () => {
    await webImages(A, 3);
    await moto.world.ec2(A.account, REGION).send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'dangling',
        LaunchTemplateData: { ImageId: 'resolve:ssm:/missing' },
      }),
    );
    const { plan } = await run([A]);
    expect(plan.failures).toEqual([
      expect.objectContaining({ account: A.account, source: 'launch-template' }),
    ]);
    expect(plan.failures[0]?.error).toMatch(/lt-\w+ v1: image id resolve:ssm:\/missing did not resolve/);
    expect(plan.summary.deprecate).toBe(0);
  });
});
