/**
 * EC2 instances by tag, Auto Scaling group or region: running instances and their AMIs. Each
 * AMI is described once, so a deprecated or deregistered image marks its hosts retired.
 */
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  type Filter,
  type Instance,
} from '@aws-sdk/client-ec2';
import { paginate } from '../aws/call.js';
import type { AwsClients, AwsScope } from '../aws/clients.js';
import { UserError } from '../core/errors.js';
import { chunk } from '../core/pool.js';
import type { Host } from './model.js';

export interface Ec2Selection {
  region: string;
  /** Another account, reached by assuming this role; omitted = the caller's own account. */
  account?: { id: string; roleArn: string };
  /** `Key=Value` (or `Key` for any value); all must match. */
  tags: readonly string[];
  /** Auto Scaling group names: their in-service instances. */
  asgs: readonly string[];
  /** The login for the SSH target of each instance. */
  sshUser: string;
  /** Which address to reach: private (default; a runner inside the VPC) or public. */
  address: 'private' | 'public';
  /** How to reach each instance: SSH to its address (default) or SSM Run Command by its id. */
  connect?: 'ssh' | 'ssm';
}

/** EC2 accepts at most 200 values per filter, and DescribeImages as many ids per call. */
const FILTER_VALUES = 200;

export function tagFilter(tag: string): Filter {
  const eq = tag.indexOf('=');
  if (eq === 0 || tag.trim() === '') throw new UserError(`--tag ${tag}: expected KEY=VALUE or KEY`);
  return eq < 0
    ? { Name: 'tag-key', Values: [tag] }
    : { Name: `tag:${tag.slice(0, eq)}`, Values: [tag.slice(eq + 1)] };
}

export async function instancesOf(clients: AwsClients, sel: Ec2Selection): Promise<Host[]> {
  const scope = {
    region: sel.region,
    ...(sel.account ? { roleArn: sel.account.roleArn, accountId: sel.account.id } : {}),
  };
  const where = sel.account ? `${sel.account.id}/${sel.region}` : sel.region;
  const fail = (what: string) => (err: unknown) => {
    throw new UserError(`${what} in ${where} failed: ${(err as Error).message}`, 3);
  };
  let ids: string[] | undefined;
  if (sel.asgs.length > 0) {
    const out = await clients
      .autoScaling(scope)
      .send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [...sel.asgs] }))
      .catch(fail('autoscaling:DescribeAutoScalingGroups'));
    const found = new Set((out.AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName));
    const missing = sel.asgs.filter((n) => !found.has(n));
    if (missing.length)
      throw new UserError(`--asg ${missing.join(', ')}: no such Auto Scaling group in ${where}`);
    ids = (out.AutoScalingGroups ?? []).flatMap((g) => (g.Instances ?? []).map((i) => i.InstanceId ?? ''));
    if (ids.length === 0) return [];
  }
  const instances: Instance[] = [];
  for (const part of ids ? chunk(ids, FILTER_VALUES) : [undefined]) {
    const Filters: Filter[] = [
      { Name: 'instance-state-name', Values: ['running'] },
      ...sel.tags.map(tagFilter),
    ];
    await paginate(
      (NextToken) =>
        clients
          .ec2(scope)
          .send(
            new DescribeInstancesCommand({
              Filters,
              ...(part ? { InstanceIds: part } : { MaxResults: 1000 }),
              NextToken,
            }),
          )
          .catch(fail('ec2:DescribeInstances')),
      (page) => {
        for (const r of page.Reservations ?? []) instances.push(...(r.Instances ?? []));
      },
    );
  }
  const retired = await retiredImages(clients, scope, [...new Set(instances.map((i) => i.ImageId ?? ''))]);
  return instances
    .filter((i) => i.InstanceId && i.ImageId)
    .map((i) => {
      const address = sel.address === 'public' ? i.PublicIpAddress : i.PrivateIpAddress;
      const imageId = i.ImageId as string;
      const why = retired.get(imageId);
      return {
        name: i.InstanceId as string,
        target:
          sel.connect === 'ssm'
            ? `ssm://${i.InstanceId}?region=${sel.region}`
            : // No address: the host is reported unreachable by the transport, with this target.
              `ssh://${sel.sshUser}@${address ?? 'no-address'}`,
        image: { kind: 'ami' as const, id: imageId, reference: imageId, region: sel.region },
        source: `ec2 ${where}`,
        ...(why ? { retired: why.reason, ...(why.gone ? { imageGone: true } : {}) } : {}),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** AMIs that are deprecated (time passed) or no longer visible (deregistered), with why. */
async function retiredImages(clients: AwsClients, scope: AwsScope, ids: string[], now = new Date()) {
  const region = scope.region;
  const out = new Map<string, { reason: string; gone: boolean }>();
  for (const part of chunk(ids.filter(Boolean), FILTER_VALUES)) {
    const res = await clients
      .ec2(scope)
      .send(new DescribeImagesCommand({ ImageIds: part }))
      .catch((err: unknown) => {
        // One deregistered id fails the whole call: describe one by one to find which.
        if ((err as { name?: string }).name !== 'InvalidAMIID.NotFound' || part.length === 1) throw err;
        return undefined;
      })
      .catch((err: unknown) => {
        if ((err as { name?: string }).name === 'InvalidAMIID.NotFound') return { Images: [] };
        throw new UserError(`ec2:DescribeImages in ${region} failed: ${(err as Error).message}`, 3);
      });
    if (!res) {
      for (const id of part)
        for (const [k, v] of await retiredImages(clients, scope, [id], now)) out.set(k, v);
      continue;
    }
    const seen = new Set<string>();
    for (const img of res.Images ?? []) {
      if (!img.ImageId) continue;
      seen.add(img.ImageId);
      if (img.State && img.State !== 'available')
        out.set(img.ImageId, {
          reason: `${img.ImageId} is ${img.State}`,
          gone: img.State === 'deregistered',
        });
      else if (img.DeprecationTime && new Date(img.DeprecationTime) <= now)
        out.set(img.ImageId, {
          reason: `${img.ImageId} was deprecated at ${img.DeprecationTime}`,
          gone: false,
        });
    }
    for (const id of part)
      if (!seen.has(id))
        out.set(id, { reason: `${id} is deregistered (no longer visible in ${region})`, gone: true });
  }
  return out;
}
