/**
 * `promote` of an AMI against moto, the parts promote.test.ts does not cover: a stage that
 * requires another, direct shares with an account, copies made inside another account
 * (copyTo, through its role), a whole organization, how a run that stops part-way resumes, and
 * retries. promoteArtifact runs with real clients (AWS_ENDPOINT_URL → the test proxy), without
 * the SDK's own retries and with a recorded sleep, so the product's retries are counted (the
 * SDK's adaptive rate limiter still waits for real after throttling: a few seconds). Faults
 * moto cannot produce come from the test proxy, commented where used. It replaces the
 * hand-made AWS world that was test/unit/promote/fake-aws.ts.
 *
 * Covered in promote.test.ts and not repeated: refusal without passing evidence, an OU with a
 * child OU and a suspended account in a dry run, copy/share/tag/SSM in every account, a re-run
 * changes nothing, a copy ending `failed` reported and not tagged, listing an OU from a member.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotAttributeCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CloseAccountCommand } from '@aws-sdk/client-organizations';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { Pacer } from '../../src/aws/pace.js';
import type { StagesConfig } from '../../src/config/types.js';
import { attestationDigest } from '../../src/evidence/dsse.js';
import type { AwsContext } from '../../src/promote/aws.js';
import { describePlan } from '../../src/promote/describe.js';
import { readPromotionLines } from '../../src/promote/records.js';
import { promoteArtifact } from '../../src/promote/run.js';
import { installDevKey } from '../helpers/evidence.js';
import { makeVerdict, storeVerdict } from '../helpers/verdicts.js';
import { clientIn, MANAGEMENT as OWNER } from './helpers/moto.js';
import { isMutating } from './helpers/proxy.js';
import { useMoto } from './helpers/session.js';
import type { SeededImage } from './helpers/world.js';

const ROLE = 'arn:aws:iam::{account}:role/imagegate-promote';
const role = (account: string) => ROLE.replace('{account}', account);
const SSM = '/images/web/prod';
const moto = useMoto();
const fast = { rate: 1e6, burst: 1e6 };

let stateDir: string;
let source: SeededImage;
let acct: Record<'member' | 'child' | 'suspended' | 'shared' | 'copier', string>;
let ouArn: string;
let orgArn: string;
let stages: StagesConfig;
let sleeps: number[];
let ctx: AwsContext;

beforeEach(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'aws-promote-runs-'));
  installDevKey(stateDir);
  const org = await moto.world.organization([
    { name: 'member', ou: 'prod' },
    { name: 'child', ou: 'prod/child' },
    { name: 'suspended', ou: 'prod' },
    { name: 'shared' },
    { name: 'copier' },
  ]);
  acct = org.accounts as typeof acct;
  ouArn = org.ous.prod?.arn as string;
  orgArn = `arn:aws:organizations::${OWNER}:organization/${org.id}`;
  await moto.world.organizations().send(new CloseAccountCommand({ AccountId: acct.suspended }));
  stages = {
    dev: { trust: ['local-dev'], regions: ['eu-west-1'] },
    prod: {
      requires: 'dev',
      trust: ['local-dev'],
      regions: ['eu-west-1', { region: 'us-east-1', kmsKeyId: 'alias/prod-us' }],
      shareWith: [acct.shared],
      ous: [ouArn],
      role: ROLE,
      copyTo: [{ accounts: [acct.copier], kmsKeyIds: { 'us-east-1': 'alias/own' } }],
      ssmParameter: SSM,
    },
    multi: { trust: ['local-dev'], regions: ['eu-west-1', 'us-east-1', 'us-west-2'] },
    all: { trust: ['local-dev'], regions: ['eu-west-1'], organizations: [orgArn], role: ROLE },
  };
  source = await moto.world.image(OWNER, 'eu-west-1', 'web-20261128', {
    tags: { 'Git-SHA': 'abc1234', OS: 'debian-12' },
  });
  storeVerdict(stateDir, makeVerdict({ kind: 'ami', id: source.id, region: 'eu-west-1' }));
  sleeps = [];
  ctx = {
    clients: new AwsClients({ maxAttempts: 1 }),
    pacer: new Pacer({ copy: fast, mutate: fast, describe: fast }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
});

const promote = (to: string, extra: Partial<Parameters<typeof promoteArtifact>[0]> = {}) =>
  promoteArtifact({ artifact: source.id, to, stages, stateDir, aws: ctx, ...extra });
const calls = (action: string, account?: string) =>
  moto.proxy.calls.filter((c) => c.action === action && (!account || c.account === account));
/** Own images of `account` in `region` with their tags, read through the proxy (it holds copy states). */
async function imagesOf(account: string, region: string) {
  const out = await clientIn(EC2Client, account, region, moto.proxy.endpoint).send(
    new DescribeImagesCommand({ Owners: ['self'], IncludeDeprecated: true }),
  );
  return (out.Images ?? []).map((i) => ({
    id: i.ImageId as string,
    state: i.State,
    tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key, t.Value])),
  }));
}
/** The image as `viewer` sees it through the proxy (tags are per account). */
async function tagsSeenBy(viewer: string, region: string, imageId: string) {
  const ec2 = clientIn(EC2Client, viewer, region, moto.proxy.endpoint);
  const img = (await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images?.[0];
  return Object.fromEntries((img?.Tags ?? []).map((t) => [t.Key, t.Value]));
}
const copiesIn = (region: string) =>
  imagesOf(OWNER, region).then((l) => l.filter((i) => i.tags['imagegate:source-ami'] === source.id));

describe('promote against moto: stages and recipients', () => {
  it('refuses prod before the artifact reached dev, and changes nothing', async () => {
    await expect(promote('prod')).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/requires "dev"/),
    });
    expect(moto.proxy.calls.filter(isMutating)).toEqual([]);
  });

  it('dry run names every recipient (direct share, OU, child OU, copyTo; owner and suspended skipped) in order', async () => {
    await promote('dev');
    moto.proxy.calls.length = 0;
    const result = await promote('prod', { dryRun: true });
    expect(moto.proxy.calls.filter(isMutating)).toEqual([]);
    if (result.plan.kind !== 'aws') throw new Error('expected an AWS plan');
    // moto's account ids are random; the plan lists recipients by account id.
    const recipients = [
      { account: acct.shared, via: ['shareWith'] },
      { account: acct.member, via: [ouArn] },
      { account: acct.child, via: [ouArn] },
      { account: acct.copier, via: ['copyTo'] },
    ].sort((a, b) => a.account.localeCompare(b.account));
    expect(result.plan.recipients).toEqual(recipients);
    const kinds = result.plan.actions.map((a) => `${a.kind}:${'target' in a ? a.target.account : ''}`);
    // Own copy first, sharing after it is available, copies into other accounts after sharing.
    expect(kinds.indexOf(`copy:${OWNER}`)).toBeLessThan(kinds.indexOf('share-launch:'));
    expect(kinds.indexOf('share-snapshots:')).toBeLessThan(kinds.indexOf(`copy:${acct.copier}`));
    const copies = result.plan.actions.filter((a) => a.kind === 'copy');
    expect(copies.map((c) => [c.target.account, c.target.region, c.kmsKeyId])).toEqual([
      [OWNER, 'us-east-1', 'alias/prod-us'],
      [acct.copier, 'eu-west-1', undefined],
      [acct.copier, 'us-east-1', 'alias/own'],
    ]);
    expect(new Set(copies.map((c) => c.clientToken)).size).toBe(3);
    const text = describePlan(result.plan);
    expect(text.slice(0, 2)).toEqual([`source: ${source.id} in ${OWNER}/eu-west-1`, 'recipients (4):']);
    expect(text).toContain(
      `   1. copy ${OWNER}/eu-west-1 → ${OWNER}/us-east-1 as "web-20261128-prod", encrypted with alias/prod-us`,
    );
    expect(text.some((l) => l.includes(`as seen by ${acct.shared} (via ${role(acct.shared)})`))).toBe(true);
  });
});

describe('promote against moto: execution', () => {
  it('shares with an account directly, copies inside copyTo accounts through their role, records every image', async () => {
    await promote('dev');
    moto.proxy.calls.length = 0;
    const result = await promote('prod');
    expect(result.changed).toBe(true);
    const [copy] = await copiesIn('us-east-1');
    expect(copy?.tags).toMatchObject({
      'imagegate:stage': 'prod',
      'imagegate:attestation-sha256': result.attestationSha256,
      'Git-SHA': 'abc1234',
    });
    const stored = readFileSync(
      join(stateDir, 'attestations', `sha256-${result.attestationSha256}.dsse.json`),
    );
    expect(attestationDigest(stored)).toBe(result.attestationSha256);

    // The direct share: launch permission and snapshot permission, and its own view tagged.
    const ec2 = moto.world.ec2(OWNER, 'eu-west-1');
    const lp = await ec2.send(
      new DescribeImageAttributeCommand({ ImageId: source.id, Attribute: 'launchPermission' }),
    );
    expect(lp.LaunchPermissions).toEqual(
      expect.arrayContaining([
        { UserId: acct.shared },
        { UserId: acct.copier },
        { OrganizationalUnitArn: ouArn },
      ]),
    );
    const cvp = await ec2.send(
      new DescribeSnapshotAttributeCommand({
        SnapshotId: source.snapshotIds[0],
        Attribute: 'createVolumePermission',
      }),
    );
    expect((cvp.CreateVolumePermissions ?? []).map((p) => p.UserId).sort()).toEqual(
      [acct.shared, acct.member, acct.child, acct.copier].sort(),
    );
    expect((await tagsSeenBy(acct.shared, 'eu-west-1', source.id))['imagegate:stage']).toBe('prod');
    const sharedTags = calls('CreateTags', acct.shared);
    expect(sharedTags).toHaveLength(2);

    // The copier owns its copies, made from inside its account (its role), tagged there.
    const own = [
      ...(await imagesOf(acct.copier, 'eu-west-1')),
      ...(await imagesOf(acct.copier, 'us-east-1')),
    ];
    expect(own).toHaveLength(2);
    for (const i of own) expect(i.tags['imagegate:source-ami']).toBe(source.id);
    expect(calls('CopyImage', acct.copier).map((c) => [c.region, c.params.KmsKeyId])).toEqual(
      expect.arrayContaining([
        ['eu-west-1', undefined],
        ['us-east-1', 'alias/own'],
      ]),
    );
    expect(calls('AssumeRole').map((c) => c.params.RoleArn)).toContain(role(acct.copier));
    expect(moto.proxy.calls.some((c) => c.account === acct.suspended)).toBe(false);

    const param = await moto.world.ssm(OWNER, 'us-east-1').send(new GetParameterCommand({ Name: SSM }));
    expect(param.Parameter?.Value).toBe(copy?.id);
    const records = readPromotionLines(stateDir);
    expect(records.map((r) => r.stage)).toEqual(['dev', 'prod']);
    expect(records[1]?.aws?.images).toContainEqual({
      account: acct.copier,
      region: 'us-east-1',
      imageId: expect.any(String),
      view: 'owned',
    });
    expect(records[1]?.aws?.images).toContainEqual({
      account: acct.shared,
      region: 'us-east-1',
      imageId: copy?.id,
      view: 'shared',
    });
  });

  it('resumes after a failure between regions without copying twice', async () => {
    // moto never fails a CopyImage request: the proxy answers InternalError in us-west-2.
    moto.proxy.fault({ action: 'CopyImage', region: 'us-west-2', code: 'InternalError', status: 500 });
    await expect(promote('multi')).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/^copy \(\d{12}\/us-west-2\): InternalError.*re-run to resume$/),
    });
    expect(await copiesIn('us-east-1')).toHaveLength(1);
    expect(readPromotionLines(stateDir)).toEqual([]);

    moto.proxy.clearFaults();
    moto.proxy.calls.length = 0;
    await promote('multi');
    expect(calls('CopyImage').map((c) => c.region)).toEqual(['us-west-2']);
    for (const region of ['us-east-1', 'us-west-2']) expect(await copiesIn(region)).toHaveLength(1);
    expect(readPromotionLines(stateDir).map((r) => r.stage)).toEqual(['multi']);
  });

  it('a copy that ended failed is retried with a new ClientToken on the next run', async () => {
    // moto's copies never fail: the proxy reports the first run's copy as `failed`.
    moto.proxy.failCopies();
    await expect(promote('multi')).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/us-east-1 is failed; re-run to start a new copy/),
    });
    moto.proxy.failCopies(false);
    await promote('multi');
    const east = await copiesIn('us-east-1');
    expect(east.map((i) => i.state).sort()).toEqual(['available', 'failed']);
    const tokens = calls('CopyImage')
      .filter((c) => c.region === 'us-east-1')
      .map((c) => c.params.ClientToken);
    expect(tokens).toHaveLength(2);
    expect(new Set(tokens).size).toBe(2);
    expect(readPromotionLines(stateDir)[0]?.aws?.images).toContainEqual(
      expect.objectContaining({
        region: 'us-east-1',
        imageId: east.find((i) => i.state === 'available')?.id,
      }),
    );
  });

  it('a copy whose response was lost is not duplicated: the same ClientToken returns the same image', async () => {
    // The proxy lets the copy happen in moto, drops the response, keeps the copy out of listings
    // (EC2's listing lags) and answers a repeated ClientToken as AWS does (moto does not).
    moto.proxy.fault({ action: 'CopyImage', region: 'us-east-1', times: 1, lose: true, code: 'lost' });
    const first = await promote('multi').then(
      () => undefined,
      (e: unknown) => e,
    );
    const made = calls('CopyImage').find((c) => c.region === 'us-east-1')?.imageId as string;
    expect(made).toMatch(/^ami-/);
    moto.proxy.unlist(made);
    if (first) {
      expect(first).toMatchObject({ exitCode: 3 });
      await promote('multi');
    }
    expect(await moto.world.imageIds(OWNER, 'us-east-1')).toEqual([made]);
    const tokens = calls('CopyImage')
      .filter((c) => c.region === 'us-east-1')
      .map((c) => c.params.ClientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toBe(tokens[1]);
  });

  it('waits for a copy with capped exponential backoff and gives up at the limit, resumable', async () => {
    // moto's copies are available at once: the proxy keeps them pending.
    moto.proxy.holdCopies();
    let clock = 0;
    ctx = {
      ...ctx,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
      wait: { initialMs: 1_000, maxMs: 8_000, timeoutMs: 40_000 },
    };
    await expect(promote('multi')).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/still pending.*re-run/),
    });
    expect(sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000, 8_000]);
    // Once the copy is available, the next run finishes without copying again.
    moto.proxy.holdCopies(false);
    expect(calls('CopyImage').map((c) => c.region)).toEqual(['us-east-1', 'us-west-2']);
    await promote('multi');
    expect(calls('CopyImage')).toHaveLength(2);
    expect(readPromotionLines(stateDir).map((r) => r.stage)).toEqual(['multi']);
  });

  it('retries RequestLimitExceeded with backoff and still makes one copy per region', async () => {
    // moto never throttles: the proxy refuses two CopyImage calls and one DescribeImages.
    moto.proxy.fault({ action: 'CopyImage', times: 2, code: 'RequestLimitExceeded', status: 503 });
    moto.proxy.fault({ action: 'DescribeImages', times: 1, code: 'RequestLimitExceeded', status: 503 });
    await promote('multi');
    expect(calls('CopyImage').map((c) => c.region)).toEqual([
      'us-east-1',
      'us-east-1',
      'us-east-1',
      'us-west-2',
    ]);
    for (const region of ['us-east-1', 'us-west-2']) expect(await copiesIn(region)).toHaveLength(1);
    expect(sleeps.length).toBeGreaterThanOrEqual(3);
  });

  it('does not retry what is not throttling', async () => {
    // An error moto has no reason to give; the proxy answers it once.
    moto.proxy.fault({ action: 'CopyImage', times: 1, code: 'InvalidAMIName.Malformed' });
    await expect(promote('multi')).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/InvalidAMIName\.Malformed/),
    });
    expect(calls('CopyImage')).toHaveLength(1);
  });

  it('paces CopyImage and modify calls in the bucket of the account and region they act in', async () => {
    const taken: string[] = [];
    class RecordingPacer extends Pacer {
      override take(scopeKey: string, cls: 'copy' | 'mutate' | 'describe'): Promise<void> {
        taken.push(`${cls}|${scopeKey}`);
        return Promise.resolve();
      }
    }
    ctx = { ...ctx, pacer: new RecordingPacer() };
    await promote('dev');
    await promote('prod');
    expect(taken.filter((t) => t.startsWith('copy|'))).toEqual([
      `copy|${OWNER}|us-east-1`,
      `copy|${acct.copier}|eu-west-1`,
      `copy|${acct.copier}|us-east-1`,
    ]);
    const modifies = calls('ModifyImageAttribute').length + calls('ModifySnapshotAttribute').length;
    expect(taken.filter((t) => t.startsWith(`mutate|${OWNER}|`)).length).toBeGreaterThanOrEqual(modifies);
  });
});

describe('promote against moto: failures in other accounts', () => {
  it('a receiving account whose role cannot tag stops the run with the account, region and role named', async () => {
    // moto lets any role do anything: the proxy refuses CreateTags in the OU member.
    moto.proxy.fault({
      action: 'CreateTags',
      account: acct.member,
      code: 'UnauthorizedOperation',
      message: 'You are not authorized to perform this operation.',
    });
    await promote('dev');
    await expect(promote('prod')).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringContaining(
        `tag (${acct.member}/eu-west-1 via ${role(acct.member)}): UnauthorizedOperation`,
      ),
    });
    expect(readPromotionLines(stateDir).map((r) => r.stage)).toEqual(['dev']);
    // In the region where it stopped, the next run tags only the account that failed.
    const resumed = await promote('prod', { dryRun: true });
    const actions = resumed.plan.kind === 'aws' ? resumed.plan.actions : [];
    const viewTags = actions.flatMap((a) =>
      a.kind === 'tag' && a.image.region === 'eu-west-1' && a.image.account === OWNER ? [a.as] : [],
    );
    expect(viewTags).toEqual([acct.member]);
    expect(actions.filter((a) => a.kind === 'share-launch' && a.image.region === 'eu-west-1')).toEqual([]);
  });

  it('shares with a whole organization by ARN and tags the view of every ACTIVE member', async () => {
    await promote('all');
    const lp = await moto.world
      .ec2(OWNER, 'eu-west-1')
      .send(new DescribeImageAttributeCommand({ ImageId: source.id, Attribute: 'launchPermission' }));
    expect(lp.LaunchPermissions).toEqual([{ OrganizationArn: orgArn }]);
    for (const member of [acct.member, acct.child, acct.shared, acct.copier]) {
      expect((await tagsSeenBy(member, 'eu-west-1', source.id))['imagegate:stage']).toBe('all');
    }
    expect(moto.proxy.calls.some((c) => c.account === acct.suspended)).toBe(false);
  });
});
