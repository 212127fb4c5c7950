/**
 * `imagegate sweep --region` against moto, through the command: what a killed `test ami-…` run
 * leaves (an instance, its key pair and security group, tagged imagegate:ephemeral=true with a
 * run id and a creation time) is found once its TTL is over and removed with --apply; anything
 * untagged, or tagged and still within its TTL, is left alone. Removal goes in order (the
 * instance terminated and gone before its group is deleted) and an instance that will not
 * terminate keeps its group.
 */
import {
  CreateKeyPairCommand,
  CreateSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  ModifyInstanceAttributeCommand,
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
  const run = async (tags: Tag[] | undefined, groups?: string[]) =>
    (
      await ec2.send(
        new RunInstancesCommand({
          ImageId: image.id,
          MinCount: 1,
          MaxCount: 1,
          ...(groups ? { SecurityGroupIds: groups } : {}),
          ...(tags ? { TagSpecifications: [{ ResourceType: 'instance', Tags: tags }] } : {}),
        }),
      )
    ).Instances?.[0]?.InstanceId as string;
  leaked = {
    instance: await run(old, [group.GroupId as string]),
    key: key.KeyPairId as string,
    group: group.GroupId as string,
  };
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
  outcomes: Array<{ candidate: { kind: string; id: string }; removed: boolean; error?: string }>;
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

  it('--apply terminates first, waits for the instance to be gone, then deletes the key pair and the group through DependencyViolation', async () => {
    // moto deletes a group at once; AWS refuses it while the terminated instance's network
    // interface lingers, so the proxy refuses the first attempt as AWS would.
    moto.proxy.fault({ action: 'DeleteSecurityGroup', times: 1, code: 'DependencyViolation', status: 400 });
    const { report, exitCode } = await sweep('--apply');
    expect(exitCode).toBe(0);
    expect(report.outcomes.every((o) => o.removed)).toBe(true);
    const order = moto.proxy.calls.map((c) => c.action);
    const from = order.indexOf('TerminateInstances');
    expect(from).toBeGreaterThanOrEqual(0);
    const after = order.slice(from);
    expect(after[0]).toBe('TerminateInstances');
    expect(after.indexOf('DescribeInstances')).toBe(1);
    expect(after.slice(after.lastIndexOf('DescribeInstances') + 1)).toEqual([
      'DeleteKeyPair',
      'DeleteSecurityGroup',
      'DeleteSecurityGroup',
    ]);
    const groups = (
      await moto.world.ec2(MANAGEMENT, REGION).send(new DescribeSecurityGroupsCommand({}))
    ).SecurityGroups?.map((g) => g.GroupId);
    expect(groups).not.toContain(leaked.group);
  });

  it('leaves the group of an instance that will not terminate, and reports both', async () => {
    // Termination protection: moto refuses TerminateInstances with OperationNotPermitted, as EC2 does.
    await moto.world.ec2(MANAGEMENT, REGION).send(
      new ModifyInstanceAttributeCommand({
        InstanceId: leaked.instance,
        DisableApiTermination: { Value: true },
      }),
    );
    const { report } = await sweep('--apply');
    const outcome = (id: string) => report.outcomes.find((o) => o.candidate.id === id);
    expect(outcome(leaked.instance)?.removed).toBe(false);
    expect(outcome(leaked.key)?.removed).toBe(true);
    expect(outcome(leaked.group)?.removed).toBe(false);
    expect(outcome(leaked.group)?.error).toMatch(/instances are not terminated/);
    expect(moto.proxy.calls.map((c) => c.action)).not.toContain('DeleteSecurityGroup');
    expect(await liveInstances()).toContain(leaked.instance);
  });
});
