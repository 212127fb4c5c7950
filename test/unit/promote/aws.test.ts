import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Pacer } from '../../../src/aws/pace.js';
import type { StagesConfig } from '../../../src/config/types.js';
import { attestationDigest } from '../../../src/evidence/dsse.js';
import type { AwsContext } from '../../../src/promote/aws.js';
import { describePlan } from '../../../src/promote/describe.js';
import { readPromotionLines as readPromotions } from '../../../src/promote/records.js';
import { promoteArtifact } from '../../../src/promote/run.js';
import { installDevKey } from '../../helpers/evidence.js';
import { makeVerdict, storeVerdict } from '../../helpers/verdicts.js';
import { awsError, FakeAws, OWNER } from './fake-aws.js';

const ROLE = 'arn:aws:iam::{account}:role/imagegate-promote';
const role = (account: string) => ROLE.replace('{account}', account);
const OU = 'arn:aws:organizations::111111111111:ou/o-abc123/ou-ab12-prod0001';
const SHARED = '222222222222';
const OU_MEMBER = '333333333333';
const CHILD_OU_MEMBER = '335555555555';
const SUSPENDED = '336666666666';
const COPIER = '444444444444';

const stages: StagesConfig = {
  dev: { trust: ['local-dev'], regions: ['eu-west-1'] },
  prod: {
    requires: 'dev',
    trust: ['local-dev'],
    regions: ['eu-west-1', { region: 'us-east-1', kmsKeyId: 'alias/prod-us' }],
    shareWith: [SHARED],
    ous: [OU],
    role: ROLE,
    copyTo: [{ accounts: [COPIER], kmsKeyIds: { 'us-east-1': 'alias/own' } }],
    ssmParameter: '/images/web/prod',
  },
  multi: { trust: ['local-dev'], regions: ['eu-west-1', 'us-east-1', 'us-west-2'] },
};

let fake: FakeAws;
let stateDir: string;
let source: string;
let sleeps: number[];
let ctx: AwsContext;

const fast = { rate: 1e6, burst: 1e6 };
const promote = (to: string, extra: Partial<Parameters<typeof promoteArtifact>[0]> = {}) =>
  promoteArtifact({ artifact: source, to, stages, stateDir, aws: ctx, ...extra });

beforeEach(() => {
  fake = new FakeAws();
  fake.ous.set('ou-ab12-prod0001', {
    accounts: [
      { Id: OU_MEMBER, State: 'ACTIVE' },
      { Id: SUSPENDED, State: 'SUSPENDED' },
      { Id: OWNER, State: 'ACTIVE' },
    ],
    children: ['ou-ab12-child001'],
  });
  fake.ous.set('ou-ab12-child001', { accounts: [{ Id: CHILD_OU_MEMBER, State: 'ACTIVE' }], children: [] });
  source = fake.addImage({
    region: 'eu-west-1',
    name: 'web-20261128',
    tags: { 'Git-SHA': 'abc1234', 'Build-Time': '2026-11-28T06:00:00Z', OS: 'debian-12', Builder: 'packer' },
  });
  stateDir = mkdtempSync(join(tmpdir(), 'imagegate-promote-'));
  installDevKey(stateDir);
  storeVerdict(stateDir, makeVerdict({ kind: 'ami', id: source, region: 'eu-west-1' }));
  sleeps = [];
  ctx = {
    clients: fake,
    pacer: new Pacer({ copy: fast, mutate: fast, describe: fast }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
});

afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

describe('promote AMIs: plans', () => {
  it('refuses prod before the artifact reached dev, and changes nothing', async () => {
    await expect(promote('prod')).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/requires "dev"/),
    });
    expect(fake.calls).toEqual([]);
  });

  it('dry run names every recipient (OUs resolved, child OUs included, inactive and owner skipped) and changes nothing', async () => {
    await promote('dev');
    const before = fake.mutations().length;
    const result = await promote('prod', { dryRun: true });
    expect(fake.mutations().length).toBe(before);
    expect(result.plan.kind).toBe('aws');
    if (result.plan.kind !== 'aws') return;
    expect(result.plan.recipients).toEqual([
      { account: SHARED, via: ['shareWith'] },
      { account: OU_MEMBER, via: [OU] },
      { account: CHILD_OU_MEMBER, via: [OU] },
      { account: COPIER, via: ['copyTo'] },
    ]);
    const kinds = result.plan.actions.map((a) => `${a.kind}:${'target' in a ? a.target.account : ''}`);
    // Own copy first, sharing after it is available, copies into other accounts after sharing.
    expect(kinds.indexOf(`copy:${OWNER}`)).toBeLessThan(kinds.indexOf('share-launch:'));
    expect(kinds.indexOf('share-snapshots:')).toBeLessThan(kinds.indexOf(`copy:${COPIER}`));
    const copies = result.plan.actions.filter((a) => a.kind === 'copy');
    expect(copies.map((c) => [c.target.account, c.target.region, c.kmsKeyId])).toEqual([
      [OWNER, 'us-east-1', 'alias/prod-us'],
      [COPIER, 'eu-west-1', undefined],
      [COPIER, 'us-east-1', 'alias/own'],
    ]);
    expect(new Set(copies.map((c) => c.clientToken)).size).toBe(3);

    const text = describePlan(result.plan);
    expect(text.slice(0, 6)).toEqual([
      `source: ${source} in ${OWNER}/eu-west-1`,
      'recipients (4):',
      `  ${SHARED}  shareWith`,
      `  ${OU_MEMBER}  ${OU}`,
      `  ${CHILD_OU_MEMBER}  ${OU}`,
      `  ${COPIER}  copyTo`,
    ]);
    expect(text).toContain(
      `   1. copy ${OWNER}/eu-west-1 → ${OWNER}/us-east-1 as "web-20261128-prod", encrypted with alias/prod-us`,
    );
    expect(text.some((l) => l.includes(`as seen by ${SHARED} (via ${role(SHARED)})`))).toBe(true);
  });
});

describe('promote AMIs: execution', () => {
  it('copies, shares, tags each account through its own role, sets SSM, records the promotion', async () => {
    await promote('dev');
    const result = await promote('prod');
    expect(result.changed).toBe(true);

    const [useast] = fake.imagesOf(OWNER, 'us-east-1');
    expect(useast).toMatchObject({ encrypted: true, kmsKeyId: 'alias/prod-us', state: 'available' });
    const copyId = useast?.id as string;
    expect(fake.tagsSeenBy(OWNER, copyId)).toMatchObject({
      'imagegate:stage': 'prod',
      'imagegate:copy-stage': 'prod',
      'imagegate:source-ami': source,
      'imagegate:source-region': 'eu-west-1',
      'imagegate:attestation-sha256': result.attestationSha256,
      'imagegate:git-sha': '0123456789abcdef0123456789abcdef01234567',
      'Git-SHA': 'abc1234',
      OS: 'debian-12',
      Builder: 'packer',
    });
    // Every receiving account's view carries the attestation digest, and the store holds it.
    for (const viewer of [SHARED, OU_MEMBER]) {
      expect(fake.tagsSeenBy(viewer, source)['imagegate:attestation-sha256']).toBe(result.attestationSha256);
    }
    const stored = readFileSync(
      join(stateDir, 'attestations', `sha256-${result.attestationSha256}.dsse.json`),
    );
    expect(attestationDigest(stored)).toBe(result.attestationSha256);

    // Tags do not cross accounts: every receiving account sees the tags only because its role wrote them.
    for (const viewer of [SHARED, OU_MEMBER, CHILD_OU_MEMBER]) {
      for (const image of [source, copyId]) {
        expect(fake.tagsSeenBy(viewer, image)).toMatchObject({
          'imagegate:stage': 'prod',
          'Git-SHA': 'abc1234',
        });
      }
      const tagCalls = fake.calls.filter((c) => c.command === 'CreateTags' && c.account === viewer);
      expect(tagCalls.length).toBe(2);
      expect(tagCalls.every((c) => c.role === role(viewer))).toBe(true);
    }
    expect(fake.calls.some((c) => c.account === SUSPENDED)).toBe(false);
    // The owner tags through its own credentials, never through a role.
    expect(
      fake.calls.filter((c) => c.command === 'CreateTags' && c.account === OWNER).every((c) => !c.role),
    ).toBe(true);

    const src = fake.images.get(source);
    expect([...(src?.launch.accounts ?? [])].sort()).toEqual([SHARED, COPIER]);
    expect([...(src?.launch.ous ?? [])]).toEqual([OU]);
    const snap = fake.snapshots.get(src?.snapshots[0] as string);
    expect([...(snap?.cvp ?? [])].sort()).toEqual([SHARED, OU_MEMBER, CHILD_OU_MEMBER, COPIER].sort());

    // The copier owns its copies, made from inside its account (its role), with its own KMS key.
    const own = fake.imagesOf(COPIER);
    expect(own.map((i) => [i.region, i.kmsKeyId ?? null]).sort()).toEqual([
      ['eu-west-1', null],
      ['us-east-1', 'alias/own'],
    ]);
    const copierCopies = fake.calls.filter((c) => c.command === 'CopyImage' && c.account === COPIER);
    expect(copierCopies.map((c) => c.role)).toEqual([role(COPIER), role(COPIER)]);
    for (const i of own) expect(fake.tagsSeenBy(COPIER, i.id)['imagegate:source-ami']).toBe(source);

    expect(fake.parameters.get(`${OWNER}|eu-west-1|/images/web/prod`)).toBe(source);
    expect(fake.parameters.get(`${OWNER}|us-east-1|/images/web/prod`)).toBe(copyId);

    const records = readPromotions(stateDir);
    expect(records.map((r) => r.stage)).toEqual(['dev', 'prod']);
    expect(records[1]?.aws?.images).toContainEqual({
      account: COPIER,
      region: 'us-east-1',
      imageId: expect.any(String),
      view: 'owned',
    });
    expect(records[1]?.aws?.images).toContainEqual({
      account: SHARED,
      region: 'us-east-1',
      imageId: copyId,
      view: 'shared',
    });
  });

  it('is idempotent: a second run plans nothing, calls nothing that changes, records nothing new', async () => {
    await promote('dev');
    await promote('prod');
    const mutations = fake.mutations().length;
    const images = fake.images.size;
    const again = await promote('prod', { now: () => new Date('2030-01-01T00:00:00Z') });
    expect(again.changed).toBe(false);
    expect(again.plan.kind === 'aws' && again.plan.actions).toEqual([]);
    expect(fake.mutations().length).toBe(mutations);
    expect(fake.images.size).toBe(images);
    expect(readPromotions(stateDir).map((r) => r.stage)).toEqual(['dev', 'prod']);
  });

  it('resumes after a failure between regions without copying twice', async () => {
    fake.inject(
      (c) => c.command === 'CopyImage' && c.region === 'us-west-2',
      () => awsError('InternalError', 'We encountered an internal error'),
    );
    await expect(promote('multi')).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/^copy \(111111111111\/us-west-2\): InternalError: .*re-run to resume$/),
    });
    expect(fake.imagesOf(OWNER, 'us-east-1')).toHaveLength(1);
    expect(readPromotions(stateDir)).toEqual([]);

    const copiesBefore = fake.calls.filter((c) => c.command === 'CopyImage').length;
    await promote('multi');
    const resumed = fake.calls.filter((c) => c.command === 'CopyImage').slice(copiesBefore);
    expect(resumed.map((c) => c.region)).toEqual(['us-west-2']);
    for (const region of ['us-east-1', 'us-west-2']) expect(fake.imagesOf(OWNER, region)).toHaveLength(1);
    expect(readPromotions(stateDir).map((r) => r.stage)).toEqual(['multi']);
  });

  it('a copy whose response was lost is not duplicated: the same ClientToken returns the same image', async () => {
    fake.loseResponse((c) => c.command === 'CopyImage' && c.region === 'us-east-1');
    await expect(promote('multi')).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/TimeoutError/),
    });
    // The listing has not caught up yet, so the resumed run cannot find the copy by its tags.
    const first = fake.imagesOf(OWNER, 'us-east-1')[0]?.id;
    fake.listed = (id) => id !== first;
    await promote('multi');
    expect(fake.imagesOf(OWNER, 'us-east-1').map((i) => i.id)).toEqual([first]);
    const tokens = fake.calls
      .filter((c) => c.command === 'CopyImage' && c.region === 'us-east-1')
      .map((c) => c.input.ClientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toBe(tokens[1]);
  });

  it('a copy that ended failed is retried with a new ClientToken on the next run', async () => {
    let failures = 1;
    fake.failCopies = (img) => img.region === 'us-west-2' && failures-- > 0;
    await expect(promote('multi')).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/us-west-2 is failed; re-run to start a new copy/),
    });
    await promote('multi');
    const west = fake.imagesOf(OWNER, 'us-west-2');
    expect(west.map((i) => i.state).sort()).toEqual(['available', 'failed']);
    const tokens = fake.calls
      .filter((c) => c.command === 'CopyImage' && c.region === 'us-west-2')
      .map((c) => c.input.ClientToken);
    expect(new Set(tokens).size).toBe(2);
    expect(readPromotions(stateDir)[0]?.aws?.images).toContainEqual(
      expect.objectContaining({
        region: 'us-west-2',
        imageId: west.find((i) => i.state === 'available')?.id,
      }),
    );
  });

  it('retries RequestLimitExceeded with backoff and still makes one copy', async () => {
    fake.inject(
      (c) => c.command === 'CopyImage',
      () => awsError('RequestLimitExceeded', 'Request limit exceeded.'),
      2,
    );
    fake.inject(
      (c) => c.command === 'DescribeImages',
      () => awsError('RequestLimitExceeded'),
      1,
    );
    await promote('multi');
    const copies = fake.calls.filter((c) => c.command === 'CopyImage');
    expect(copies.map((c) => c.region)).toEqual(['us-east-1', 'us-east-1', 'us-east-1', 'us-west-2']);
    for (const region of ['us-east-1', 'us-west-2']) expect(fake.imagesOf(OWNER, region)).toHaveLength(1);
    expect(sleeps.length).toBeGreaterThanOrEqual(3);
  });

  it('does not retry what is not throttling', async () => {
    fake.inject(
      (c) => c.command === 'CopyImage',
      () => awsError('InvalidAMIName.Malformed'),
      1,
    );
    await expect(promote('multi')).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(/InvalidAMIName\.Malformed/),
    });
    expect(fake.calls.filter((c) => c.command === 'CopyImage')).toHaveLength(1);
  });

  it('waits for a copy with capped exponential backoff and gives up at the limit, resumable', async () => {
    fake.copyPolls = 1_000;
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
      `copy|${COPIER}|eu-west-1`,
      `copy|${COPIER}|us-east-1`,
    ]);
    const modifies = fake.calls.filter((c) => c.command.startsWith('Modify')).length;
    expect(taken.filter((t) => t.startsWith(`mutate|${OWNER}|`)).length).toBeGreaterThanOrEqual(modifies);
  });
});

describe('promote AMIs: failures in other accounts', () => {
  it('a receiving account whose role cannot tag stops the run with the account, region and role named', async () => {
    fake.inject(
      (c) => c.command === 'CreateTags' && c.account === OU_MEMBER,
      () => awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.'),
    );
    await promote('dev');
    await expect(promote('prod')).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringContaining(
        `tag (${OU_MEMBER}/eu-west-1 via ${role(OU_MEMBER)}): UnauthorizedOperation`,
      ),
    });
    expect(readPromotions(stateDir).map((r) => r.stage)).toEqual(['dev']);
    // In the region where it stopped, the next run tags only the account that failed.
    const resumed = await promote('prod', { dryRun: true });
    const actions = resumed.plan.kind === 'aws' ? resumed.plan.actions : [];
    const viewTags = actions.flatMap((a) =>
      a.kind === 'tag' && a.image.region === 'eu-west-1' && a.image.account === OWNER ? [a.as] : [],
    );
    expect(viewTags).toEqual([OU_MEMBER]);
    expect(actions.filter((a) => a.kind === 'share-launch' && a.image.region === 'eu-west-1')).toEqual([]);
  });

  it('shares with a whole organization by ARN and tags the view of every ACTIVE member', async () => {
    const org = 'arn:aws:organizations::111111111111:organization/o-abc123';
    const withOrg: StagesConfig = {
      ...stages,
      all: { trust: ['local-dev'], regions: ['eu-west-1'], organizations: [org], role: ROLE },
    };
    await promoteArtifact({ artifact: source, to: 'all', stages: withOrg, stateDir, aws: ctx });
    expect([...(fake.images.get(source)?.launch.orgs ?? [])]).toEqual([org]);
    for (const member of [OU_MEMBER, CHILD_OU_MEMBER]) {
      expect(fake.tagsSeenBy(member, source)['imagegate:stage']).toBe('all');
    }
    expect(fake.calls.some((c) => c.account === SUSPENDED)).toBe(false);
  });
});
