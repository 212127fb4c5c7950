import { DescribeInstancesCommand, type Filter } from '@aws-sdk/client-ec2';
import { paginate } from '../../aws/call.js';
import { chunk } from '../../core/pool.js';
import { awsScope, paceKey, type RetentionAws } from '../context.js';
import type { Scope, UsageRef } from '../model.js';

/** Every state but `terminated`: a stopped instance still needs its AMI to start again. */
export const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];
/** EC2 accepts at most 200 values per filter. */
const FILTER_VALUES = 200;

/**
 * Instances in the scope, all pages. With `imageIds` the listing is narrowed server-side to
 * those AMIs (the re-check before acting), in chunks the filter accepts.
 */
export async function instanceUsage(
  aws: RetentionAws,
  scope: Scope,
  imageIds?: string[],
): Promise<UsageRef[]> {
  const ec2 = aws.clients.ec2(awsScope(scope));
  const out: UsageRef[] = [];
  const chunks = imageIds ? chunk(imageIds, FILTER_VALUES) : [undefined];
  for (const ids of chunks) {
    const Filters: Filter[] = [{ Name: 'instance-state-name', Values: LIVE_STATES }];
    if (ids) Filters.push({ Name: 'image-id', Values: ids });
    await paginate(
      (NextToken) =>
        aws.caller.call(paceKey(scope), 'describe', 'ec2:DescribeInstances', () =>
          ec2.send(new DescribeInstancesCommand({ Filters, MaxResults: 1000, NextToken })),
        ),
      (page) => {
        for (const r of page.Reservations ?? []) {
          for (const i of r.Instances ?? []) {
            if (!i.ImageId || i.State?.Name === 'terminated') continue;
            out.push({
              imageId: i.ImageId,
              source: 'instance',
              ref: `${i.InstanceId ?? '?'} (${i.State?.Name ?? 'unknown'})`,
              account: scope.account,
              region: scope.region,
            });
          }
        }
      },
    );
  }
  return out;
}
