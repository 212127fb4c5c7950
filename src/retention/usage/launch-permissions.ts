import { DescribeImageAttributeCommand, type DescribeImageAttributeCommandOutput } from '@aws-sdk/client-ec2';
import { mapLimit } from '../../core/pool.js';
import { awsScope, paceKey, type RetentionAws } from '../context.js';
import { isNotFound } from '../inventory.js';
import type { LaunchPermissions, Scope } from '../model.js';

/** Calls in flight per account-region. */
export const IN_FLIGHT = 4;

/**
 * Who else may launch an image. There is no batch form, so this is read only for images the plan
 * would retire. An image that vanished meanwhile is left unknown (the plan keeps it).
 */
export async function launchPermissions(
  aws: RetentionAws,
  scope: Scope,
  imageIds: string[],
): Promise<Map<string, LaunchPermissions>> {
  const ec2 = aws.clients.ec2(awsScope(scope));
  const out = new Map<string, LaunchPermissions>();
  // A few in flight hide latency; the account-region's bucket still sets the rate.
  await mapLimit(imageIds, IN_FLIGHT, async (ImageId) => {
    let res: DescribeImageAttributeCommandOutput;
    try {
      res = await aws.caller.call(paceKey(scope), 'describe', 'ec2:DescribeImageAttribute', () =>
        ec2.send(new DescribeImageAttributeCommand({ ImageId, Attribute: 'launchPermission' })),
      );
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const lp: LaunchPermissions = {
      userIds: [],
      groups: [],
      organizationArns: [],
      organizationalUnitArns: [],
    };
    for (const p of res.LaunchPermissions ?? []) {
      if (p.UserId) lp.userIds.push(p.UserId);
      if (p.Group) lp.groups.push(p.Group);
      if (p.OrganizationArn) lp.organizationArns.push(p.OrganizationArn);
      if (p.OrganizationalUnitArn) lp.organizationalUnitArns.push(p.OrganizationalUnitArn);
    }
    out.set(ImageId, lp);
  });
  // Insertion order follows completion; callers get the input order back.
  return new Map(imageIds.flatMap((id) => (out.has(id) ? [[id, out.get(id) as LaunchPermissions]] : [])));
}
