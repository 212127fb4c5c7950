import { DescribeImagesCommand, type Filter, type Image } from '@aws-sdk/client-ec2';
import { paginate } from '../aws/call.js';
import { awsScope, paceKey, type RetentionAws } from './context.js';
import type { ImageRecord, Scope } from './model.js';

/** DescribeImages' largest page. */
export const IMAGES_PAGE = 1000;

/**
 * Every AMI the scope's account owns there matching `filters`, deprecated and disabled ones
 * included (both are hidden by default yet still hold snapshots and count for staging).
 */
export async function eachOwnImage(
  aws: RetentionAws,
  scope: Scope,
  filters: Filter[],
  onImage: (image: Image) => void,
): Promise<void> {
  const ec2 = aws.clients.ec2(awsScope(scope));
  await paginate(
    (NextToken) =>
      aws.caller.call(paceKey(scope), 'describe', 'ec2:DescribeImages', () =>
        ec2.send(
          new DescribeImagesCommand({
            Owners: ['self'],
            IncludeDeprecated: true,
            IncludeDisabled: true,
            ...(filters.length ? { Filters: filters } : {}),
            MaxResults: IMAGES_PAGE,
            NextToken,
          }),
        ),
      ),
    (page) => {
      for (const image of page.Images ?? []) onImage(image);
    },
  );
}

/** Every AMI the scope's account owns there, as records for the plan. */
export async function listImages(aws: RetentionAws, scope: Scope): Promise<ImageRecord[]> {
  const out: ImageRecord[] = [];
  await eachOwnImage(aws, scope, [], (image) => {
    const rec = toRecord(image, scope);
    if (rec) out.push(rec);
  });
  return out;
}

/**
 * Current records for specific images (re-check before acting). Ids that no longer exist are
 * simply absent: EC2 answers InvalidAMIID.NotFound for the whole call, so ask one by one then.
 */
export async function describeImagesById(
  aws: RetentionAws,
  scope: Scope,
  ids: string[],
): Promise<ImageRecord[]> {
  const ec2 = aws.clients.ec2(awsScope(scope));
  const send = (ImageIds: string[]) =>
    aws.caller.call(paceKey(scope), 'describe', 'ec2:DescribeImages', () =>
      ec2.send(new DescribeImagesCommand({ ImageIds, IncludeDeprecated: true, IncludeDisabled: true })),
    );
  const records = (images: Image[] | undefined) =>
    (images ?? []).map((i) => toRecord(i, scope)).filter((r): r is ImageRecord => r !== undefined);
  try {
    return records((await send(ids)).Images);
  } catch (err) {
    if (!isNotFound(err) || ids.length === 1) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }
  const out: ImageRecord[] = [];
  for (const id of ids) out.push(...(await describeImagesById(aws, scope, [id])));
  return out;
}

export function isNotFound(err: unknown): boolean {
  const name = err instanceof Error ? err.name : '';
  return name === 'InvalidAMIID.NotFound' || name === 'InvalidAMIID.Unavailable';
}

function toRecord(i: Image, scope: Scope): ImageRecord | undefined {
  if (!i.ImageId) return undefined;
  const tags: Record<string, string> = {};
  for (const t of i.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  const snapshotIds: string[] = [];
  for (const m of i.BlockDeviceMappings ?? []) if (m.Ebs?.SnapshotId) snapshotIds.push(m.Ebs.SnapshotId);
  const protection = i.DeregistrationProtection ?? 'disabled';
  return {
    id: i.ImageId,
    // Owners: ['self'] — the scope's account owns every image listed.
    account: scope.account,
    region: scope.region,
    name: i.Name ?? '',
    creationDate: i.CreationDate ?? '',
    state: i.State ?? 'unknown',
    public: i.Public === true,
    ...(i.DeprecationTime ? { deprecationTime: i.DeprecationTime } : {}),
    deregistrationProtected: protection !== 'disabled',
    tags,
    snapshotIds,
  };
}
