import { DeleteSnapshotCommand } from '@aws-sdk/client-ec2';
import type { AuditLog } from './audit.js';
import { awsScope, describeError, paceKey, type RetentionAws } from './context.js';
import { eachOwnImage } from './inventory.js';
import type { Scope } from './model.js';

/**
 * Delete a deregistered image's snapshots, except those another image still uses (asked live,
 * disabled and deprecated images included). Right after DeregisterImage, EC2 may still report
 * a snapshot as in use by that image for a while, so `InvalidSnapshot.InUse` is retried. Returns
 * the errors; none means every snapshot was deleted or deliberately kept.
 */
export async function deleteUnusedSnapshots(
  aws: RetentionAws,
  scope: Scope,
  imageId: string,
  snapshotIds: string[],
  audit: AuditLog,
): Promise<string[]> {
  const ec2 = aws.clients.ec2(awsScope(scope));
  const at = { imageId, account: scope.account, region: scope.region };
  const errors: string[] = [];
  for (const snapshotId of snapshotIds) {
    try {
      const users: string[] = [];
      await eachOwnImage(
        aws,
        scope,
        [{ Name: 'block-device-mapping.snapshot-id', Values: [snapshotId] }],
        (i) => {
          if (i.ImageId && i.ImageId !== imageId) users.push(i.ImageId);
        },
      );
      if (users.length > 0) {
        audit.write({
          event: 'snapshot-kept',
          ...at,
          snapshotId,
          detail: `used by ${users.sort().join(', ')}`,
        });
        continue;
      }
      try {
        await aws.caller.call(
          paceKey(scope),
          'mutate',
          'ec2:DeleteSnapshot',
          () => ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })),
          ['InvalidSnapshot.InUse'],
        );
        audit.write({ event: 'snapshot-deleted', ...at, snapshotId, ok: true });
      } catch (err) {
        if (!(err instanceof Error && err.name === 'InvalidSnapshot.NotFound')) throw err;
        audit.write({ event: 'snapshot-deleted', ...at, snapshotId, ok: true, detail: 'already gone' });
      }
    } catch (err) {
      const error = describeError(err);
      audit.write({ event: 'snapshot-deleted', ...at, snapshotId, ok: false, error });
      errors.push(`${snapshotId}: ${error}`);
    }
  }
  return errors;
}
