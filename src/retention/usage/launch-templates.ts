import { DescribeLaunchTemplatesCommand, DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { paginate } from '../../aws/call.js';
import { mapLimit } from '../../core/pool.js';
import { awsScope, paceKey, type RetentionAws } from '../context.js';
import type { Scope, UsageRef } from '../model.js';
import { IN_FLIGHT } from './launch-permissions.js';

/** Both launch template listings page at up to 200. */
const PAGE = 200;

/**
 * Every version of every launch template: any version can be launched by name or number, not
 * just $Default/$Latest, so all of them hold their AMI. `ResolveAlias` turns `resolve:ssm:`
 * image ids into the AMI the parameter points at now; an alias that stays unresolved fails the
 * source (we cannot tell which AMI it would launch).
 */
export async function launchTemplateUsage(aws: RetentionAws, scope: Scope): Promise<UsageRef[]> {
  const ec2 = aws.clients.ec2(awsScope(scope));
  const key = paceKey(scope);
  const templates: string[] = [];
  await paginate(
    (NextToken) =>
      aws.caller.call(key, 'describe', 'ec2:DescribeLaunchTemplates', () =>
        ec2.send(new DescribeLaunchTemplatesCommand({ MaxResults: PAGE, NextToken })),
      ),
    (page) => {
      for (const t of page.LaunchTemplates ?? []) if (t.LaunchTemplateId) templates.push(t.LaunchTemplateId);
    },
  );
  const out: UsageRef[] = [];
  await mapLimit(templates, IN_FLIGHT, async (id) => {
    try {
      await paginate(
        (NextToken) =>
          aws.caller.call(key, 'describe', 'ec2:DescribeLaunchTemplateVersions', () =>
            ec2.send(
              new DescribeLaunchTemplateVersionsCommand({
                LaunchTemplateId: id,
                ResolveAlias: true,
                MaxResults: PAGE,
                NextToken,
              }),
            ),
          ),
        (page) => {
          for (const v of page.LaunchTemplateVersions ?? []) {
            const imageId = v.LaunchTemplateData?.ImageId;
            if (!imageId) continue;
            if (!imageId.startsWith('ami-')) {
              throw new Error(`${id} v${v.VersionNumber}: image id ${imageId} did not resolve to an AMI`);
            }
            out.push({
              imageId,
              source: 'launch-template',
              ref: `${id} v${v.VersionNumber}`,
              account: scope.account,
              region: scope.region,
            });
          }
        },
      );
    } catch (err) {
      // Deleted between the two listings: a template that no longer exists launches nothing.
      if (err instanceof Error && err.name === 'InvalidLaunchTemplateId.NotFound') return;
      throw err;
    }
  });
  return out;
}
