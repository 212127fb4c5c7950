import {
  DeleteKeyPairCommand,
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
  type EC2Client,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { errorCode, THROTTLING, withRetry } from '../aws/retry.js';

/**
 * Removing what an EC2 test created, in the order AWS allows: terminate instances, wait until
 * they are gone (a security group stays "in use" while its instance shuts down), then delete key
 * pairs and groups, retrying DependencyViolation for as long as the shutdown takes.
 */
export interface Ec2CleanupOptions {
  sleep?: (ms: number) => Promise<void>;
  /** Bound on waiting for terminations and dependency retries. */
  waitMs?: number;
}

const sleepDefault = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function terminateAndWait(ec2: EC2Client, instanceIds: string[], opts: Ec2CleanupOptions = {}) {
  if (instanceIds.length === 0) return;
  const sleep = opts.sleep ?? sleepDefault;
  await withRetry(() => ec2.send(new TerminateInstancesCommand({ InstanceIds: instanceIds })), {
    retryOn: [...THROTTLING, 'InvalidInstanceID.NotFound'],
    sleep,
  }).catch((err: unknown) => {
    // Already gone (terminated long ago, or never visible): nothing to terminate.
    if (errorCode(err) !== 'InvalidInstanceID.NotFound') throw err;
  });
  const deadline = Date.now() + (opts.waitMs ?? 10 * 60_000);
  for (let delay = 2000; ; delay = Math.min(delay * 2, 15_000)) {
    const res = await withRetry(() => ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds })), {
      retryOn: THROTTLING,
      sleep,
    }).catch((err: unknown) => {
      if (errorCode(err) === 'InvalidInstanceID.NotFound') return { Reservations: [] };
      throw err;
    });
    const states = (res.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.State?.Name);
    if (states.every((s) => s === 'terminated')) return;
    if (Date.now() > deadline)
      throw new Error(`instances ${instanceIds.join(', ')} not terminated yet (${states.join(', ')})`);
    await sleep(delay);
  }
}

export async function deleteKeyPair(ec2: EC2Client, keyPairId: string, opts: Ec2CleanupOptions = {}) {
  await withRetry(() => ec2.send(new DeleteKeyPairCommand({ KeyPairId: keyPairId })), {
    retryOn: THROTTLING,
    sleep: opts.sleep ?? sleepDefault,
  });
}

export async function deleteSecurityGroup(ec2: EC2Client, groupId: string, opts: Ec2CleanupOptions = {}) {
  await withRetry(() => ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId })), {
    retryOn: [...THROTTLING, 'DependencyViolation'],
    // ENIs of a terminated instance linger for a minute or two.
    attempts: 12,
    baseMs: 2000,
    maxMs: 30_000,
    sleep: opts.sleep ?? sleepDefault,
  }).catch((err: unknown) => {
    if (errorCode(err) !== 'InvalidGroup.NotFound') throw err;
  });
}
