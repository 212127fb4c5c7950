/**
 * The EC2 side of `imagegate test ami-…` against moto: what Ec2Target creates (an imported key
 * pair, a security group open to the caller's /32 only, an instance with IMDSv2 required),
 * every one tagged ephemeral with the run id, and that teardown removes all of it even when
 * the boot failed (here: nothing answers SSH, so boot gives up). SSH itself and the suites, with
 * sshd containers standing in for the instance, are in ec2-target-ssh and test-command-ec2.
 */

import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import {
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Ec2Target } from '../../src/targets/ec2.js';
import { InfraError } from '../../src/targets/target.js';
import { CREDENTIALS, MANAGEMENT } from './helpers/moto.js';
import { useMoto } from './helpers/session.js';
import type { SeededImage } from './helpers/world.js';

const REGION = 'eu-west-1';
const RUN = '20261205T101500-0badc0de';
const moto = useMoto({ region: REGION });
let image: SeededImage;
/** Accepts and closes at once: an "instance" whose sshd is not up. */
let closed: Server;

beforeAll(async () => {
  closed = createServer((s) => s.destroy());
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  closed.close();
});
beforeEach(async () => {
  moto.proxy.instanceAddress('127.0.0.1');
  image = await moto.world.image(MANAGEMENT, REGION, 'web-under-test');
});

const tagsOf = (tags: Array<{ Key?: string; Value?: string }> | undefined) =>
  Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value]));

describe('Ec2Target against moto', () => {
  it('launches with its own key pair and /32 security group, IMDSv2, tags; teardown removes everything', async () => {
    const target = new Ec2Target({
      ec2: new EC2Client({ region: REGION, endpoint: moto.proxy.endpoint, credentials: CREDENTIALS }),
      region: REGION,
      mark: { runId: RUN, ttlSeconds: 3600 },
      detectCidr: async () => '203.0.113.7/32',
      sshPort: (closed.address() as AddressInfo).port,
      bootDeadlineMs: 1_000,
      sleep: async () => {},
      teardownWaitMs: 1_000,
      // moto's console output has no host key fingerprints: without this the target never tries SSH.
      insecureIgnoreHostKey: true,
    });
    const booted = await target.boot({ kind: 'ami', id: image.id, region: REGION, reference: image.id }).then(
      () => 'booted',
      (e: unknown) => e,
    );
    expect(booted).toBeInstanceOf(InfraError);
    expect(String(booted)).toMatch(/SSH to i-\w+ at 127\.0\.0\.1:\d+ did not answer/);

    const ec2 = moto.world.ec2(MANAGEMENT, REGION);
    const [instance] =
      (await ec2.send(new DescribeInstancesCommand({}))).Reservations?.flatMap((r) => r.Instances ?? []) ??
      [];
    expect(instance?.ImageId).toBe(image.id);
    expect(instance?.MetadataOptions?.HttpTokens).toBe('required');
    expect(tagsOf(instance?.Tags)).toMatchObject({
      'imagegate:ephemeral': 'true',
      'imagegate:run-id': RUN,
      'imagegate:artifact': image.id,
    });
    const [key] = (await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs ?? [];
    expect(key?.KeyName).toBe(instance?.KeyName);
    expect(tagsOf(key?.Tags)['imagegate:run-id']).toBe(RUN);
    const groupId = instance?.SecurityGroups?.[0]?.GroupId;
    const [group] =
      (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId as string] }))).SecurityGroups ??
      [];
    expect(tagsOf(group?.Tags)['imagegate:run-id']).toBe(RUN);
    expect(group?.IpPermissions).toEqual([
      expect.objectContaining({
        FromPort: 22,
        ToPort: 22,
        IpRanges: [expect.objectContaining({ CidrIp: '203.0.113.7/32' })],
      }),
    ]);

    await target.teardown();
    const after = (await ec2.send(new DescribeInstancesCommand({}))).Reservations?.flatMap(
      (r) => r.Instances ?? [],
    );
    expect(after?.map((i) => i.State?.Name)).toEqual(['terminated']);
    expect((await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs ?? []).toEqual([]);
    const groups = (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups?.map(
      (g) => g.GroupId,
    );
    expect(groups).not.toContain(groupId);
  });
});
