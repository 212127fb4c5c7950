/**
 * `imagegate sweep --region` against moto, through the command: what a killed `test ami-…` run
 * leaves (an instance, its key pair and security group, tagged imagegate:ephemeral=true with a
 * run id and a creation time) is found once its TTL is over and removed with --apply; anything
 * untagged, or tagged and still within its TTL, is left alone.
 */
import {
  CreateKeyPairCommand,
  CreateSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  RunInstancesCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../src/cli/sweep.js';
import { ephemeralTags } from '../../src/targets/labels.js';
import { runCommand } from '../helpers/cli.js';
import { MANAGEMENT } from './helpers/moto.js';
import { isMutating } from './helpers/proxy.js';
import { useMoto } from './helpers/session.js';

const REGION = 'eu-west-1';
const moto = useMoto({ region: REGION });
let leaked: { instance: string; key: string; group: string };
let kept: { untagged: string; young: string };

/** The tags `imagegate test` writes, as a run `hoursAgo` hours old with a two-hour TTL. */
function runTags(runId: string, hoursAgo: number): Tag[] {
  return ephemeralTags({
    runId,
    createdAt: new Date(Date.now() - hoursAgo * 3_600_000),
    ttlSeconds: 7200,
    artifact: 'ami-0123456789abcdef0',
  });
}

beforeEach(async () => {
  const ec2 = moto.world.ec2(MANAGEMENT, REGION);
  const image = await moto.world.image(MANAGEMENT, REGION, 'under-test');
  const old = runTags('20261205T010000-deadbeef', 5);
  const group = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: 'imagegate-test-deadbeef',
      Description: 'imagegate test',
      TagSpecifications: [{ ResourceType: 'security-group', Tags: old }],
    }),
  );
  const key = await ec2.send(
    new CreateKeyPairCommand({
      KeyName: 'imagegate-deadbeef',
      TagSpecifications: [{ ResourceType: 'key-pair', Tags: old }],
    }),
  );
  const run = async (tags: Tag[] | undefined) =>
    (
      await ec2.send(
        new RunInstancesCommand({
          ImageId: image.id,
          MinCount: 1,
          MaxCount: 1,
          ...(tags ? { TagSpecifications: [{ ResourceType: 'instance', Tags: tags }] } : {}),
        }),
      )
    ).Instances?.[0]?.InstanceId as string;
  leaked = { instance: await run(old), key: key.KeyPairId as string, group: group.GroupId as string };
  kept = { untagged: await run(undefined), young: await run(runTags('20261205T060000-cafef00d', 0)) };
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

async function liveInstances(): Promise<string[]> {
  const out = await moto.world.ec2(MANAGEMENT, REGION).send(new DescribeInstancesCommand({}));
  return (out.Reservations ?? [])
    .flatMap((r) => r.Instances ?? [])
    .filter((i) => i.State?.Name !== 'terminated')
    .map((i) => i.InstanceId as string)
    .sort();
}

interface SweepJson {
  found: Array<{ kind: string; id: string; expiry: { expired: boolean } }>;
  outcomes: Array<{ candidate: { kind: string; id: string }; removed: boolean }>;
}
const sweep = async (...args: string[]) => {
  const r = await runCommand(register, 'sweep', ['--no-docker', '--region', REGION, '--json', ...args]);
  return { report: JSON.parse(r.stdout) as SweepJson, exitCode: r.exitCode };
};
const expiredIds = (r: SweepJson) =>
  r.found
    .filter((c) => c.expiry.expired)
    .map((c) => `${c.kind}:${c.id}`)
    .sort();

describe('imagegate sweep --region against moto', () => {
  it('lists what a killed run left, past its TTL, and changes nothing without --apply', async () => {
    const { report, exitCode } = await sweep();
    expect(exitCode).toBe(0);
    expect(expiredIds(report)).toEqual(
      [`instance:${leaked.instance}`, `key-pair:${leaked.key}`, `security-group:${leaked.group}`].sort(),
    );
    expect(report.found.find((c) => c.id === kept.young)?.expiry.expired).toBe(false);
    expect(report.found.some((c) => c.id === kept.untagged)).toBe(false);
    expect(moto.proxy.calls.filter(isMutating)).toEqual([]);
  });

  it('--apply removes exactly the expired instance, key pair and security group', async () => {
    const { report, exitCode } = await sweep('--apply');
    expect(exitCode).toBe(0);
    expect(report.outcomes.every((o) => o.removed)).toBe(true);
    expect(await liveInstances()).toEqual([kept.untagged, kept.young].sort());
    const ec2 = moto.world.ec2(MANAGEMENT, REGION);
    const keys = (await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs?.map((k) => k.KeyPairId) ?? [];
    expect(keys).not.toContain(leaked.key);
    const groups = (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups?.map(
      (g) => g.GroupId,
    );
    expect(groups).not.toContain(leaked.group);

    moto.proxy.calls.length = 0;
    const again = await sweep('--apply');
    expect(expiredIds(again.report)).toEqual([]);
    expect(moto.proxy.calls.filter(isMutating)).toEqual([]);
  });
});
