import {
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
} from '@aws-sdk/client-auto-scaling';
import { paginate } from '../../aws/call.js';
import { awsScope, paceKey, type RetentionAws } from '../context.js';
import type { Scope, UsageRef } from '../model.js';

/** Auto Scaling's largest page for both listings. */
const PAGE = 100;

/**
 * Every launch configuration (used by a group or not: any can be attached to one), plus the
 * groups that launch from them, so the report names the group that would break. Groups on launch
 * templates are covered by the launch template source, which holds every version.
 */
export async function autoScalingUsage(aws: RetentionAws, scope: Scope): Promise<UsageRef[]> {
  const asg = aws.clients.autoScaling(awsScope(scope));
  const key = paceKey(scope, 'autoscaling');
  const lcImage = new Map<string, string>();
  await paginate(
    (NextToken) =>
      aws.caller.call(key, 'describe', 'autoscaling:DescribeLaunchConfigurations', () =>
        asg.send(new DescribeLaunchConfigurationsCommand({ MaxRecords: PAGE, NextToken })),
      ),
    (page) => {
      for (const lc of page.LaunchConfigurations ?? []) {
        if (lc.LaunchConfigurationName && lc.ImageId) lcImage.set(lc.LaunchConfigurationName, lc.ImageId);
      }
    },
  );
  const groups: AutoScalingGroup[] = [];
  await paginate(
    (NextToken) =>
      aws.caller.call(key, 'describe', 'autoscaling:DescribeAutoScalingGroups', () =>
        asg.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: PAGE, NextToken })),
      ),
    (page) => groups.push(...(page.AutoScalingGroups ?? [])),
  );
  const at = { account: scope.account, region: scope.region };
  const out: UsageRef[] = [];
  for (const [name, imageId] of lcImage)
    out.push({ imageId, source: 'launch-configuration', ref: name, ...at });
  for (const g of groups) {
    const lc = g.LaunchConfigurationName;
    const imageId = lc ? lcImage.get(lc) : undefined;
    if (imageId)
      out.push({ imageId, source: 'auto-scaling-group', ref: `${g.AutoScalingGroupName} (${lc})`, ...at });
  }
  return out;
}
