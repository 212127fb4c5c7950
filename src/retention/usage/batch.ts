import { DescribeComputeEnvironmentsCommand } from '@aws-sdk/client-batch';
import { awsScope, paceKey, type RetentionAws } from '../context.js';
import type { Scope, UsageRef } from '../model.js';

const PAGE = 100;

/**
 * AWS Batch compute environments that launch an AMI: `ec2Configuration[].imageIdOverride` and
 * the older `computeResources.imageId`. Their launch templates are covered by the launch
 * template source (every version of every template in the account).
 */
export async function batchUsage(aws: RetentionAws, scope: Scope): Promise<UsageRef[]> {
  const batch = aws.clients.batch(awsScope(scope));
  const out: UsageRef[] = [];
  let nextToken: string | undefined;
  do {
    const page = await aws.caller.call(
      paceKey(scope, 'batch'),
      'describe',
      'batch:DescribeComputeEnvironments',
      () => batch.send(new DescribeComputeEnvironmentsCommand({ maxResults: PAGE, nextToken })),
    );
    for (const ce of page.computeEnvironments ?? []) {
      const res = ce.computeResources;
      const ids = [res?.imageId, ...(res?.ec2Configuration ?? []).map((c) => c.imageIdOverride)];
      for (const imageId of new Set(ids)) {
        if (!imageId) continue;
        out.push({
          imageId,
          source: 'batch-compute-environment',
          ref: ce.computeEnvironmentName ?? ce.computeEnvironmentArn ?? '?',
          account: scope.account,
          region: scope.region,
        });
      }
    }
    nextToken = page.nextToken || undefined;
  } while (nextToken);
  return out;
}
