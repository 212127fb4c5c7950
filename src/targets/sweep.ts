import {
  DescribeInstancesCommand,
  DescribeKeyPairsCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type Filter,
} from '@aws-sdk/client-ec2';
import type Docker from 'dockerode';
import { paginate } from '../aws/call.js';
import {
  deleteKeyPair,
  deleteSecurityGroup,
  type Ec2CleanupOptions,
  terminateAndWait,
} from './ec2-cleanup.js';
import { EPHEMERAL, type Expiry, expiry, RUN_ID, tagMap } from './labels.js';

export type LeakKind = 'container' | 'instance' | 'key-pair' | 'security-group';

export interface Candidate {
  kind: LeakKind;
  id: string;
  /** Container name, key pair name, group name. */
  name?: string;
  region?: string;
  runId?: string;
  state?: string;
  expiry: Expiry;
}

export interface SweepOutcome {
  candidate: Candidate;
  removed: boolean;
  error?: string;
}

const OURS: Filter = { Name: `tag:${EPHEMERAL}`, Values: ['true'] };

/** Containers labelled ephemeral by imagegate, judged against their TTL (or `olderThan`). */
export async function findContainers(
  docker: Docker,
  now: Date,
  olderThanSeconds?: number,
): Promise<Candidate[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${EPHEMERAL}=true`] } });
  return list
    .filter((c) => c.Labels?.[EPHEMERAL] === 'true')
    .map((c) => ({
      kind: 'container' as const,
      id: c.Id,
      name: c.Names?.[0]?.replace(/^\//, ''),
      runId: c.Labels[RUN_ID],
      state: c.State,
      expiry: expiry(c.Labels, now, olderThanSeconds),
    }));
}

export async function removeContainer(docker: Docker, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
}

/** Instances (not yet terminated), key pairs and security groups tagged ephemeral in one region. */
export async function findEc2(
  ec2: EC2Client,
  region: string,
  now: Date,
  olderThanSeconds?: number,
): Promise<Candidate[]> {
  const out: Candidate[] = [];
  await paginate(
    (token) =>
      ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            OURS,
            { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
          ],
          NextToken: token,
          MaxResults: 1000,
        }),
      ),
    (page) => {
      for (const i of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
        const tags = tagMap(i.Tags);
        out.push({
          kind: 'instance',
          id: i.InstanceId!,
          region,
          runId: tags[RUN_ID],
          state: i.State?.Name,
          expiry: expiry(tags, now, olderThanSeconds),
        });
      }
    },
  );
  const keys = await ec2.send(new DescribeKeyPairsCommand({ Filters: [OURS] }));
  for (const k of keys.KeyPairs ?? []) {
    const tags = tagMap(k.Tags);
    out.push({
      kind: 'key-pair',
      id: k.KeyPairId!,
      name: k.KeyName,
      region,
      runId: tags[RUN_ID],
      expiry: expiry(tags, now, olderThanSeconds),
    });
  }
  await paginate(
    (token) =>
      ec2.send(new DescribeSecurityGroupsCommand({ Filters: [OURS], NextToken: token, MaxResults: 1000 })),
    (page) => {
      for (const g of page.SecurityGroups ?? []) {
        const tags = tagMap(g.Tags);
        out.push({
          kind: 'security-group',
          id: g.GroupId!,
          name: g.GroupName,
          region,
          runId: tags[RUN_ID],
          expiry: expiry(tags, now, olderThanSeconds),
        });
      }
    },
  );
  return out;
}

/** Remove expired EC2 leaks of one region: instances first, then what they depended on. */
export async function removeEc2(
  ec2: EC2Client,
  expired: Candidate[],
  opts: Ec2CleanupOptions = {},
): Promise<SweepOutcome[]> {
  const outcomes: SweepOutcome[] = [];
  const instances = expired.filter((c) => c.kind === 'instance');
  let instancesGone = true;
  try {
    await terminateAndWait(
      ec2,
      instances.map((c) => c.id),
      opts,
    );
    outcomes.push(...instances.map((candidate) => ({ candidate, removed: true })));
  } catch (err) {
    instancesGone = false;
    outcomes.push(
      ...instances.map((candidate) => ({ candidate, removed: false, error: (err as Error).message })),
    );
  }
  for (const candidate of expired.filter((c) => c.kind === 'key-pair')) {
    outcomes.push(await attempt(candidate, () => deleteKeyPair(ec2, candidate.id, opts)));
  }
  for (const candidate of expired.filter((c) => c.kind === 'security-group')) {
    outcomes.push(
      instancesGone
        ? await attempt(candidate, () => deleteSecurityGroup(ec2, candidate.id, opts))
        : { candidate, removed: false, error: 'left in place: its instances are not terminated yet' },
    );
  }
  return outcomes;
}

export async function attempt(candidate: Candidate, fn: () => Promise<void>): Promise<SweepOutcome> {
  try {
    await fn();
    return { candidate, removed: true };
  } catch (err) {
    return { candidate, removed: false, error: (err as Error).message };
  }
}
