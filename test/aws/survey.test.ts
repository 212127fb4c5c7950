/**
 * Retention's survey against moto, below the command: what it asks (launch permissions only of
 * images it would retire), how it survives throttling, and how one failing source or account
 * closes that scope only, with the failure recorded as the report shows it. Two accounts in
 * eu-west-1, reached by assuming roles as in AWS; faults come from the test proxy (moto
 * neither throttles nor denies). The usage sources themselves are covered through the command
 * in prune.test.ts; paging at 1,000 images stays a unit test (seeding thousands of images in
 * moto would cost minutes).
 */
import { describe, expect, it } from 'vitest';
import { PacedCaller } from '../../src/aws/call.js';
import { AwsClients } from '../../src/aws/clients.js';
import { Pacer } from '../../src/aws/pace.js';
import type { RetentionAws } from '../../src/retention/context.js';
import type { Scope } from '../../src/retention/model.js';
import { normalizeRules } from '../../src/retention/rules.js';
import { survey } from '../../src/retention/survey.js';
import type { Fault } from './helpers/proxy.js';
import { useMoto } from './helpers/session.js';
import type { SeededImage } from './helpers/world.js';

const REGION = 'eu-west-1';
const moto = useMoto({ region: REGION });
const scope = (account: string): Scope => ({
  account,
  region: REGION,
  roleArn: `arn:aws:iam::${account}:role/prune`,
});
const A = scope('111111111111');
const B = scope('222222222222');
const { rules } = normalizeRules({ keepNewest: 1, keepYoungerThanDays: 7, retainAtLeast: 0 });
const unlimited = { rate: 1e9, burst: 1e9 };

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
async function run(scopes: Scope[]) {
  const aws: RetentionAws = {
    clients: new AwsClients({ maxAttempts: 1 }),
    caller: new PacedCaller(new Pacer({ describe: unlimited, mutate: unlimited, copy: unlimited }), {
      sleep: async () => {},
      random: () => 0,
    }),
  };
  const result = await survey(
    aws,
    { scopes, failures: [], organizationWide: false },
    { rules, ssmParameters: [], concurrency: 2, now: new Date() },
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
