/**
 * AWS side of promotion: discover what exists (the state the pure plan needs), then carry out
 * a plan. Every call is paced per account-region (CopyImage ~1/s, modify ~5/s) and retried on
 * throttling; every call goes to the client of the account it acts in.
 */
import {
  CopyImageCommand,
  CreateTagsCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotAttributeCommand,
  type EC2Client,
  type Image,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { type AwsScope, roleFor } from '../aws/clients.js';
import { listActiveAccounts, listActiveAccountsInOu } from '../aws/organizations.js';
import type { CallClass, Pacer } from '../aws/pace.js';
import { errorCode, THROTTLING, withRetry } from '../aws/retry.js';
import { UserError } from '../core/errors.js';
import { mapLimit } from '../core/pool.js';
import {
  type AwsAction,
  type AwsPlan,
  type AwsState,
  type ImageSlot,
  type ImageState,
  lineageTags,
  slotKey,
  type Tags,
  viewKey,
} from './plan.js';
import type { PromotedImage } from './records.js';
import type { AwsStage } from './stages.js';

/** The clients promotion needs; `AwsClients` from src/aws/clients.ts is one. */
export interface AwsPort {
  ec2(scope: AwsScope): EC2Client;
  ssm(scope: AwsScope): SSMClient;
  organizations(): OrganizationsClient;
}

export interface AwsContext {
  clients: AwsPort;
  pacer: Pacer;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Waiting for a copy: first delay, cap, and overall limit (copies take minutes). */
  wait?: { initialMs?: number; maxMs?: number; timeoutMs?: number };
  onAction?: (action: AwsAction) => void;
  /**
   * Calls in different receiving accounts at once (each account has its own throttling
   * buckets and its own assumed-role session); default 8. Work in one account stays in order.
   */
  accountConcurrency?: number;
}

/** Exit code when a promotion stopped part-way: re-running resumes it. */
export const PROMOTION_FAILED = 3;

/** Image states a copy never recovers from. */
const FAILED = ['failed', 'error', 'invalid'];
const NOT_FOUND = ['InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable', 'InvalidAMIID.Malformed'];

function scope(account: string, region: string, role?: string): AwsScope {
  return role ? { region, roleArn: role, accountId: account } : { region, accountId: account };
}

async function call<T>(ctx: AwsContext, where: AwsScope, cls: CallClass, fn: () => Promise<T>): Promise<T> {
  const key = `${where.accountId ?? 'self'}|${where.region}`;
  return withRetry(
    async () => {
      await ctx.pacer.take(key, cls);
      return fn();
    },
    { retryOn: THROTTLING, ...(ctx.sleep ? { sleep: ctx.sleep } : {}) },
  );
}

const toTags = (tags: Tag[] | undefined): Tags =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key as string, t.Value ?? '']));
const fromTags = (tags: Tags): Tag[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

function imageState(img: Image, account: string, region: string): ImageState {
  const ebs = (img.BlockDeviceMappings ?? []).flatMap((b) => (b.Ebs ? [b.Ebs] : []));
  return {
    account,
    region,
    imageId: img.ImageId ?? '',
    state: String(img.State ?? 'unknown'),
    name: img.Name ?? img.ImageId ?? 'image',
    encrypted: ebs.some((e) => e.Encrypted),
    snapshotIds: ebs.flatMap((e) => (e.SnapshotId ? [e.SnapshotId] : [])),
    tags: toTags(img.Tags),
  };
}

async function describeImage(ctx: AwsContext, where: AwsScope, imageId: string): Promise<Image | undefined> {
  try {
    const out = await call(ctx, where, 'describe', () =>
      ctx.clients.ec2(where).send(new DescribeImagesCommand({ ImageIds: [imageId], IncludeDisabled: true })),
    );
    return out.Images?.[0];
  } catch (err) {
    if (NOT_FOUND.includes(errorCode(err))) return undefined;
    throw err;
  }
}

/** A stage copy made earlier, found by its lineage tags (ClientTokens expire; tags do not). */
async function findCopy(
  ctx: AwsContext,
  slot: ImageSlot,
  role: string | undefined,
  lineage: Tags,
  failedCopies: Record<string, string[]>,
): Promise<ImageState | undefined> {
  const where = scope(slot.account, slot.region, role);
  const out = await call(ctx, where, 'describe', () =>
    ctx.clients.ec2(where).send(
      new DescribeImagesCommand({
        Owners: ['self'],
        IncludeDisabled: true,
        Filters: Object.entries(lineage).map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] })),
      }),
    ),
  );
  const all = out.Images ?? [];
  const failed = all
    .filter((i) => FAILED.includes(String(i.State)))
    .flatMap((i) => (i.ImageId ? [i.ImageId] : []));
  if (failed.length) failedCopies[slotKey(slot)] = failed.sort();
  const usable = all.filter((i) => !FAILED.includes(String(i.State)) && i.State !== 'deregistered');
  // Prefer a finished copy; among equals, the oldest is the one the ClientToken made first.
  usable.sort(
    (a, b) =>
      Number(b.State === 'available') - Number(a.State === 'available') ||
      String(a.CreationDate).localeCompare(String(b.CreationDate)),
  );
  return usable[0] ? imageState(usable[0], slot.account, slot.region) : undefined;
}

async function sharing(ctx: AwsContext, image: ImageState): Promise<void> {
  const where = scope(image.account, image.region);
  const ec2 = ctx.clients.ec2(where);
  const attr = await call(ctx, where, 'describe', () =>
    ec2.send(new DescribeImageAttributeCommand({ ImageId: image.imageId, Attribute: 'launchPermission' })),
  );
  const perms = attr.LaunchPermissions ?? [];
  image.launch = {
    accounts: perms.flatMap((p) => (p.UserId ? [p.UserId] : [])),
    organizationArns: perms.flatMap((p) => (p.OrganizationArn ? [p.OrganizationArn] : [])),
    ouArns: perms.flatMap((p) => (p.OrganizationalUnitArn ? [p.OrganizationalUnitArn] : [])),
  };
  let common: string[] | undefined;
  for (const SnapshotId of image.snapshotIds) {
    const snap = await call(ctx, where, 'describe', () =>
      ec2.send(new DescribeSnapshotAttributeCommand({ SnapshotId, Attribute: 'createVolumePermission' })),
    );
    const users = (snap.CreateVolumePermissions ?? []).flatMap((p) => (p.UserId ? [p.UserId] : []));
    common = common ? common.filter((u) => users.includes(u)) : users;
  }
  image.snapshotAccounts = common ?? [];
}

/** Everything the plan needs to know, read before anything is changed. */
export async function discoverAws(
  ctx: AwsContext,
  stage: AwsStage,
  artifact: { id: string; region: string },
): Promise<AwsState> {
  const own = { region: artifact.region };
  const img = await describeImage(ctx, own, artifact.id);
  if (!img?.OwnerId) {
    throw new UserError(
      `${artifact.id} not found in ${artifact.region}: check the AMI id, region and credentials`,
    );
  }
  if (img.State !== 'available') {
    throw new UserError(
      `${artifact.id} in ${artifact.region} is ${img.State}, not available: wait and retry`,
    );
  }
  const owner = img.OwnerId;
  const source = imageState(img, owner, artifact.region);
  const lineage = lineageTags({ ...source }, stage.name);

  const members: Record<string, string[]> = {};
  for (const arn of stage.ous) {
    members[arn] = (
      await listActiveAccountsInOu(ctx.clients.organizations(), arn).catch(orgListing(arn))
    ).map((a) => a.id);
  }
  if (stage.organizations.length) {
    // The caller can list only its own organization, so every organization ARN has the same members.
    const all = (
      await listActiveAccounts(ctx.clients.organizations()).catch(
        orgListing(stage.organizations[0] as string),
      )
    ).map((a) => a.id);
    for (const arn of stage.organizations) members[arn] = all;
  }

  const images: ImageState[] = [];
  const failedCopies: Record<string, string[]> = {};
  const needsSharing =
    stage.shareWith.length + stage.ous.length + stage.organizations.length + stage.copyTo.length > 0;
  for (const r of stage.regions) {
    const slot = { account: owner, region: r.region };
    const found =
      r.region === source.region ? source : await findCopy(ctx, slot, undefined, lineage, failedCopies);
    if (!found) continue;
    if (found !== source) images.push(found);
    if (needsSharing && found.state === 'available') await sharing(ctx, found);
  }

  const viewTags: Record<string, Tags> = {};
  const viewers = new Set([...stage.shareWith, ...Object.values(members).flat()].filter((a) => a !== owner));
  const stageImages = [source, ...images].filter((i) => stage.regions.some((r) => r.region === i.region));
  await mapLimit([...viewers], ctx.accountConcurrency ?? 8, async (viewer) => {
    for (const image of stageImages) {
      const where = scope(viewer, image.region, roleFor(stage.role ?? '', viewer));
      const seen = await describeImage(ctx, where, image.imageId);
      if (seen) viewTags[viewKey(image, viewer)] = toTags(seen.Tags);
    }
  });

  for (const c of stage.copyTo.filter((c) => c.account !== owner)) {
    for (const r of stage.regions) {
      const found = await findCopy(
        ctx,
        { account: c.account, region: r.region },
        roleFor(c.role, c.account),
        lineage,
        failedCopies,
      );
      if (found) images.push(found);
    }
  }

  const ssm: Record<string, string> = {};
  if (stage.ssmParameter) {
    for (const r of stage.regions) {
      const where = scope(owner, r.region);
      try {
        const out = await call(ctx, where, 'describe', () =>
          ctx.clients.ssm(where).send(new GetParameterCommand({ Name: stage.ssmParameter })),
        );
        if (out.Parameter?.Value) ssm[r.region] = out.Parameter.Value;
      } catch (err) {
        if (errorCode(err) !== 'ParameterNotFound') throw err;
      }
    }
  }
  return { source, images, viewTags, members, ssm, failedCopies };
}

/**
 * Organizations answers account listings only in the management account or a delegated
 * administrator; anywhere else AWS refuses (AccessDenied, or a "not found" for the OU). Nothing
 * has been changed at that point: say so, and how to fix it.
 */
function orgListing(arn: string) {
  return (err: unknown): never => {
    const message = err instanceof Error ? err.message : String(err);
    throw new UserError(
      `cannot list the accounts of ${arn}: ${errorCode(err)}: ${message}. Listing an organization's or OU's ` +
        'accounts works only from its management account or a delegated administrator for AWS Organizations: ' +
        'run promote with those credentials, or name the accounts in shareWith. Nothing was changed',
      PROMOTION_FAILED,
    );
  };
}

/** Poll until the copy is available: exponential backoff, capped, with an overall limit. */
async function waitAvailable(ctx: AwsContext, slot: ImageSlot, role: string | undefined, imageId: string) {
  const sleep = ctx.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = ctx.now ?? Date.now;
  const initial = ctx.wait?.initialMs ?? 5_000;
  const max = ctx.wait?.maxMs ?? 60_000;
  const deadline = now() + (ctx.wait?.timeoutMs ?? 45 * 60_000);
  const where = scope(slot.account, slot.region, role);
  for (let delay = initial; ; delay = Math.min(max, delay * 2)) {
    // Right after CopyImage the id may not be visible yet (eventual consistency): keep waiting.
    const img = await describeImage(ctx, where, imageId);
    if (img?.State === 'available') return imageState(img, slot.account, slot.region);
    if (img && (FAILED.includes(String(img.State)) || img.State === 'deregistered')) {
      const reason = img.StateReason?.Message ? `: ${img.StateReason.Message}` : '';
      throw new UserError(
        `copy ${imageId} in ${slot.account}/${slot.region} is ${img.State}${reason}; re-run to start a new copy (deregister the failed one afterwards)`,
        PROMOTION_FAILED,
      );
    }
    if (now() + delay > deadline) {
      throw new UserError(
        `copy ${imageId} in ${slot.account}/${slot.region} still ${img?.State ?? 'not visible'}; re-run later to resume`,
        PROMOTION_FAILED,
      );
    }
    await sleep(delay);
  }
}

/** Where an action acts, for messages: `account/region`, and the role when one is assumed. */
function actionScope(a: AwsAction): string {
  const slot = a.kind === 'copy' ? a.target : a.image;
  const account = a.kind === 'tag' ? a.as : slot.account;
  const role = 'role' in a && a.role ? ` via ${a.role}` : '';
  return `${account}/${slot.region}${role}`;
}

/**
 * An AWS failure as a one-line error with the resume hint (exit 3); what we already raised as
 * a UserError passes through unchanged.
 */
export function stopped(what: string, err: unknown): Error {
  if (err instanceof UserError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new UserError(
    `${what}: ${errorCode(err)}: ${message}; promotion stopped part-way, fix the cause and re-run to resume`,
    PROMOTION_FAILED,
  );
}

/** Carry out a plan in order. Returns where the image now lives (owned copies and shared views). */
export async function executeAws(ctx: AwsContext, plan: AwsPlan, state: AwsState): Promise<PromotedImage[]> {
  const known = new Map<string, ImageState>([...state.images, state.source].map((i) => [slotKey(i), i]));
  const id = (slot: ImageSlot): string => {
    const img = known.get(slotKey(slot));
    if (!img) throw new Error(`promotion plan refers to ${slotKey(slot)} before it exists`);
    return img.imageId;
  };
  const run = async (action: AwsAction): Promise<void> => {
    ctx.onAction?.(action);
    try {
      await perform(action);
    } catch (err) {
      throw stopped(`${action.kind} (${actionScope(action)})`, err);
    }
  };
  const perform = async (action: AwsAction): Promise<void> => {
    switch (action.kind) {
      case 'copy': {
        const where = scope(action.target.account, action.target.region, action.role);
        const out = await call(ctx, where, 'copy', () =>
          ctx.clients.ec2(where).send(
            new CopyImageCommand({
              SourceImageId: id(action.from),
              SourceRegion: action.from.region,
              Name: action.name,
              ClientToken: action.clientToken,
              ...(action.encrypted ? { Encrypted: true } : {}),
              ...(action.kmsKeyId ? { KmsKeyId: action.kmsKeyId } : {}),
              TagSpecifications: ['image', 'snapshot'].map((t) => ({
                ResourceType: t as 'image' | 'snapshot',
                Tags: fromTags(action.tags),
              })),
            }),
          ),
        );
        if (!out.ImageId) throw new Error(`CopyImage into ${slotKey(action.target)} returned no ImageId`);
        known.set(slotKey(action.target), {
          ...action.target,
          imageId: out.ImageId,
          state: 'pending',
          name: action.name,
          encrypted: action.encrypted,
          snapshotIds: [],
          tags: action.tags,
        });
        break;
      }
      case 'wait': {
        const img = await waitAvailable(ctx, action.image, action.role, id(action.image));
        known.set(slotKey(action.image), img);
        break;
      }
      case 'tag': {
        const image = known.get(slotKey(action.image));
        const where = scope(action.as, action.image.region, action.role);
        // The owner also tags the snapshots (retention follows them); a viewer tags only its view.
        const resources = [
          id(action.image),
          ...(action.as === action.image.account ? (image?.snapshotIds ?? []) : []),
        ];
        await call(ctx, where, 'mutate', () =>
          ctx.clients
            .ec2(where)
            .send(new CreateTagsCommand({ Resources: resources, Tags: fromTags(action.tags) })),
        );
        break;
      }
      case 'share-launch': {
        const where = scope(action.image.account, action.image.region);
        const Add = [
          ...action.add.accounts.map((UserId) => ({ UserId })),
          ...action.add.organizationArns.map((OrganizationArn) => ({ OrganizationArn })),
          ...action.add.ouArns.map((OrganizationalUnitArn) => ({ OrganizationalUnitArn })),
        ];
        await call(ctx, where, 'mutate', () =>
          ctx.clients
            .ec2(where)
            .send(new ModifyImageAttributeCommand({ ImageId: id(action.image), LaunchPermission: { Add } })),
        );
        break;
      }
      case 'share-snapshots': {
        const where = scope(action.image.account, action.image.region);
        for (const SnapshotId of known.get(slotKey(action.image))?.snapshotIds ?? []) {
          await call(ctx, where, 'mutate', () =>
            ctx.clients.ec2(where).send(
              new ModifySnapshotAttributeCommand({
                SnapshotId,
                Attribute: 'createVolumePermission',
                OperationType: 'add',
                UserIds: action.accounts,
              }),
            ),
          );
        }
        break;
      }
      case 'ssm': {
        const where = scope(action.image.account, action.region);
        await call(ctx, where, 'mutate', () =>
          ctx.clients.ssm(where).send(
            new PutParameterCommand({
              Name: action.name,
              Value: id(action.image),
              Type: 'String',
              DataType: 'aws:ec2:image',
              Overwrite: true,
            }),
          ),
        );
        break;
      }
    }
  };
  // Tagging each receiving account's view is independent per account: run a batch of those
  // together; everything else in plan order.
  const isView = (a: AwsAction) => a.kind === 'tag' && a.as !== a.image.account;
  for (let i = 0; i < plan.actions.length; ) {
    let j = i;
    while (j < plan.actions.length && isView(plan.actions[j] as AwsAction)) j++;
    if (j > i) {
      await mapLimit(plan.actions.slice(i, j), ctx.accountConcurrency ?? 8, run);
      i = j;
    } else await run(plan.actions[i++] as AwsAction);
  }
  const promoted: PromotedImage[] = plan.images.map((s) => ({ ...s, imageId: id(s), view: 'owned' }));
  for (const r of plan.recipients) {
    if (r.via.every((v) => v === 'copyTo')) continue;
    for (const s of plan.images.filter((i) => i.account === plan.source.account)) {
      promoted.push({ account: r.account, region: s.region, imageId: id(s), view: 'shared' });
    }
  }
  return promoted;
}
