/**
 * `promote` of an AMI against moto, through promoteArtifact with its default AwsClients (the
 * command's own wiring: credentials and AWS_ENDPOINT_URL from the environment). An organization
 * with an OU, a child OU, a suspended account and an account outside the OU; the stage copies to
 * a second region, shares with the OU, and publishes an SSM parameter.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotAttributeCommand,
} from '@aws-sdk/client-ec2';
import { CloseAccountCommand } from '@aws-sdk/client-organizations';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import type { StagesConfig } from '../../src/config/types.js';
import { UserError } from '../../src/core/errors.js';
import { readPromotionLines } from '../../src/promote/records.js';
import { promoteArtifact } from '../../src/promote/run.js';
import { installDevKey } from '../helpers/evidence.js';
import { makeVerdict, storeVerdict } from '../helpers/verdicts.js';
import { MANAGEMENT, useEnv } from './helpers/moto.js';
import { isMutating } from './helpers/proxy.js';
import { useMoto } from './helpers/session.js';
import type { SeededImage } from './helpers/world.js';

const ROLE = 'arn:aws:iam::{account}:role/imagegate-promote';
const SSM = '/images/web/prod';
const moto = useMoto();

let stateDir: string;
let source: SeededImage;
let accounts: Record<string, string>;
let stages: StagesConfig;

/** The evidence promote requires: a verdict signed by the key the stage trusts (`local-dev`). */
function passingEvidence(image: SeededImage, passed = true): void {
  storeVerdict(stateDir, makeVerdict({ kind: 'ami', id: image.id, region: image.region }, passed));
}

beforeEach(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'aws-promote-'));
  installDevKey(stateDir);
  const org = await moto.world.organization([
    { name: 'member', ou: 'prod' },
    { name: 'child', ou: 'prod/child' },
    { name: 'suspended', ou: 'prod' },
    { name: 'outside' },
  ]);
  accounts = org.accounts;
  await moto.world.organizations().send(new CloseAccountCommand({ AccountId: accounts.suspended }));
  stages = {
    prod: {
      trust: ['local-dev'],
      regions: ['eu-west-1', 'us-east-1'],
      ous: [org.ous.prod?.arn as string],
      role: ROLE,
      ssmParameter: SSM,
    },
  };
  source = await moto.world.image(MANAGEMENT, 'eu-west-1', 'web-20261128', { tags: { OS: 'debian-12' } });
});

const promote = (extra: Partial<Parameters<typeof promoteArtifact>[0]> = {}) =>
  promoteArtifact({ artifact: source.id, to: 'prod', stages, stateDir, ...extra });

describe('imagegate promote against moto', () => {
  it('refuses without passing evidence and changes nothing', async () => {
    await expect(promote()).rejects.toThrow(/verdict|evidence/i);
    passingEvidence(source, false);
    await expect(promote()).rejects.toThrow(/refused: .* records a failed test/);
    expect(moto.proxy.calls.filter(isMutating)).toEqual([]);
  });

  it('dry run: the OU and its child OU receive it, the suspended and outside accounts do not', async () => {
    passingEvidence(source);
    const r = await promote({ dryRun: true });
    expect(r.plan.kind).toBe('aws');
    if (r.plan.kind !== 'aws') return;
    expect(r.plan.recipients.map((x) => x.account).sort()).toEqual([accounts.child, accounts.member].sort());
    expect(r.plan.actions.map((a) => a.kind)).toContain('copy');
    expect(moto.proxy.calls.filter(isMutating)).toEqual([]);
  });

  it('copies to the second region, shares with the OU, tags, sets SSM; a re-run copies nothing again', async () => {
    passingEvidence(source);
    const first = await promote();
    expect(first.changed).toBe(true);
    const copies = moto.proxy.calls.filter((c) => c.action === 'CopyImage');
    expect(copies).toHaveLength(1);
    expect(copies[0]?.region).toBe('us-east-1');

    const us = moto.world.ec2(MANAGEMENT, 'us-east-1');
    const [copy] =
      (
        await us.send(
          new DescribeImagesCommand({
            Owners: ['self'],
            Filters: [{ Name: 'tag:imagegate:source-ami', Values: [source.id] }],
          }),
        )
      ).Images ?? [];
    expect(copy?.ImageId).toBeDefined();
    const tags = Object.fromEntries((copy?.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags).toMatchObject({
      'imagegate:stage': 'prod',
      'imagegate:source-region': 'eu-west-1',
      OS: 'debian-12',
    });

    const ouArn = (stages.prod as { ous: string[] }).ous[0];
    for (const [region, id] of [
      ['eu-west-1', source.id],
      ['us-east-1', copy?.ImageId as string],
    ] as const) {
      const ec2 = moto.world.ec2(MANAGEMENT, region);
      const lp = await ec2.send(
        new DescribeImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission' }),
      );
      expect(lp.LaunchPermissions).toContainEqual({ OrganizationalUnitArn: ouArn });
      const img = (await ec2.send(new DescribeImagesCommand({ ImageIds: [id] }))).Images?.[0];
      for (const m of img?.BlockDeviceMappings ?? []) {
        const perm = await ec2.send(
          new DescribeSnapshotAttributeCommand({
            SnapshotId: m.Ebs?.SnapshotId,
            Attribute: 'createVolumePermission',
          }),
        );
        const users = (perm.CreateVolumePermissions ?? []).map((p) => p.UserId).sort();
        expect(users).toEqual([accounts.child, accounts.member].sort());
      }
      const param = await moto.world.ssm(MANAGEMENT, region).send(new GetParameterCommand({ Name: SSM }));
      expect(param.Parameter?.Value).toBe(id);
    }
    // Each receiving account wrote the promotion tags on its own view, through its role.
    const viewTags = moto.proxy.calls.filter((c) => c.action === 'CreateTags' && c.account !== MANAGEMENT);
    expect(new Set(viewTags.map((c) => c.account))).toEqual(new Set([accounts.member, accounts.child]));
    expect(readPromotionLines(stateDir)).toHaveLength(1);

    moto.proxy.calls.length = 0;
    await promote();
    expect(moto.proxy.calls.filter((c) => c.action === 'CopyImage')).toEqual([]);
    expect(moto.proxy.calls.filter(isMutating)).toEqual([]);
  });

  it('a copy that ends failed is reported (exit 3) and not tagged as promoted', async () => {
    passingEvidence(source);
    moto.proxy.failCopies();
    const err = await promote().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(3);
    expect((err as Error).message).toMatch(/copy ami-\w+ in \d{12}\/us-east-1 is failed/);
    const copyId = moto.proxy.calls.find((c) => c.action === 'CopyImage')?.imageId;
    expect(copyId).toMatch(/^ami-/);
    const taggedCopy = moto.proxy.calls.filter(
      (c) => c.action === 'CreateTags' && Object.values(c.params).includes(String(copyId)),
    );
    expect(taggedCopy).toEqual([]);
    expect(readPromotionLines(stateDir)).toEqual([]);
  });

  it('from a member account, listing the OU is refused: promotion stops before changing anything', async () => {
    // Organizations answers OU listings only in the management account or a delegated admin.
    source = await moto.world.image(accounts.member as string, 'eu-west-1', 'member-web-20261128');
    passingEvidence(source);
    const restore = useEnv({ AWS_ACCESS_KEY_ID: `as-${accounts.member}` });
    try {
      await expect(promote({ dryRun: true })).rejects.toThrow(
        /cannot list the accounts of arn:aws:organizations::\d+:ou\/.*management account or a delegated administrator.*Nothing was changed/,
      );
    } finally {
      restore();
    }
    expect(moto.proxy.calls.filter(isMutating)).toEqual([]);
  });
});
