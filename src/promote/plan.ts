/**
 * Promotion planning, pure: verdict + stage + what exists now → the ordered actions that are
 * still missing. Running the plan and planning again yields nothing, which is what makes
 * `promote` idempotent and resumable; `--dry-run` prints it.
 */
import { createHash } from 'node:crypto';
import { roleFor } from '../aws/clients.js';
import type { Verdict } from '../evidence/verdict.js';
import type { AwsStage, RegistryStage } from './stages.js';

export type Tags = Record<string, string>;

/** An AMI owned by `account` in `region`: the source, a regional copy, or a target account's own copy. */
export interface ImageSlot {
  account: string;
  region: string;
}

export interface LaunchPermissions {
  accounts: string[];
  organizationArns: string[];
  ouArns: string[];
}

/** An AMI as discovered, seen by its owner. */
export interface ImageState extends ImageSlot {
  imageId: string;
  /** `pending`, `available`, `failed`, … */
  state: string;
  name: string;
  encrypted: boolean;
  snapshotIds: string[];
  tags: Tags;
  /** Known only for images this run may share; absent = nobody yet. */
  launch?: LaunchPermissions;
  /** Accounts holding createVolumePermission on every snapshot of the image. */
  snapshotAccounts?: string[];
}

export interface AwsState {
  source: ImageState;
  /** Stage images found through lineage tags, in the source account and copyTo accounts. */
  images: ImageState[];
  /** Tags a receiving account sees on its view of a shared image, by `viewKey`. */
  viewTags: Record<string, Tags>;
  /** ACTIVE accounts of each OU / organization ARN, resolved through Organizations. */
  members: Record<string, string[]>;
  /** Current value of the stage SSM parameter per region (absent = not set). */
  ssm: Record<string, string>;
  /** Copies that ended `failed`, by slot: a new attempt needs a new ClientToken. */
  failedCopies?: Record<string, string[]>;
}

export type AwsAction =
  | {
      kind: 'copy';
      target: ImageSlot;
      /** Assumed in the target account; absent = the caller's own account. */
      role?: string;
      from: ImageSlot;
      name: string;
      clientToken: string;
      encrypted: boolean;
      kmsKeyId?: string;
      tags: Tags;
    }
  | { kind: 'wait'; image: ImageSlot; role?: string }
  | { kind: 'tag'; image: ImageSlot; as: string; role?: string; tags: Tags }
  | { kind: 'share-launch'; image: ImageSlot; add: LaunchPermissions }
  | { kind: 'share-snapshots'; image: ImageSlot; accounts: string[] }
  | { kind: 'ssm'; region: string; name: string; image: ImageSlot };

/** Who receives the image and why, listed before anything is done. */
export interface Recipient {
  account: string;
  via: string[];
}

export interface AwsPlan {
  stage: string;
  source: ImageSlot & { imageId: string };
  recipients: Recipient[];
  /** Every stage image (owner slots), existing or to be made. */
  images: ImageSlot[];
  actions: AwsAction[];
}

/** Tags whose value is a time: present is enough, a re-run does not rewrite them. */
const VOLATILE = new Set(['imagegate:promoted-at']);

export const slotKey = (s: ImageSlot): string => `${s.account}|${s.region}`;
export const viewKey = (image: ImageSlot, viewer: string): string => `${slotKey(image)}|${viewer}`;

/**
 * CopyImage idempotency token: the same (source, target, stage) always gets the same token, so
 * a retried or resumed copy returns the first copy instead of making a second one. Copies that
 * failed are part of the key: the old token would only return the failed image again.
 */
export function copyToken(
  source: ImageSlot & { imageId: string },
  target: ImageSlot,
  stage: string,
  failed: string[] = [],
): string {
  return createHash('sha256')
    .update(
      ['imagegate', source.imageId, source.region, target.account, target.region, stage, ...failed].join('|'),
    )
    .digest('hex');
}

/** Promotion tags: stage, evidence, lineage, git SHA, time, plus the source's own (STOB) tags. */
export function promotionTags(
  verdict: Verdict,
  attestationSha256: string,
  stage: AwsStage,
  source: ImageState,
  at: string,
): Tags {
  const carried: Tags = {};
  for (const [k, v] of Object.entries(source.tags)) {
    if (!k.startsWith('aws:') && !k.startsWith('imagegate:')) carried[k] = v;
  }
  return {
    ...carried,
    ...stage.tags,
    'imagegate:stage': stage.name,
    // The signed verdict's digest: the envelope is in the evidence store under this name.
    'imagegate:attestation-sha256': attestationSha256,
    'imagegate:source-ami': source.imageId,
    'imagegate:source-region': source.region,
    ...(verdict.git ? { 'imagegate:git-sha': verdict.git.sha } : {}),
    'imagegate:promoted-at': at,
  };
}

/** Lineage tags that let a later run find a copy again after the ClientToken has expired. */
export function lineageTags(source: ImageSlot & { imageId: string }, stage: string): Tags {
  return {
    'imagegate:source-ami': source.imageId,
    'imagegate:source-region': source.region,
    'imagegate:copy-stage': stage,
  };
}

/**
 * The tags in `want` that `have` lacks or holds with another value. Time tags are rewritten only
 * together with a real change, so a repeated run writes nothing.
 */
export function missingTags(want: Tags, have: Tags): Tags {
  const out: Tags = {};
  for (const [k, v] of Object.entries(want)) {
    if (!VOLATILE.has(k) && have[k] !== v) out[k] = v;
  }
  for (const [k, v] of Object.entries(want)) {
    if (VOLATILE.has(k) && (!(k in have) || Object.keys(out).length > 0)) out[k] = v;
  }
  return out;
}

const nonEmpty = (t: Tags) => Object.keys(t).length > 0;
const minus = (xs: Iterable<string>, have: Iterable<string> = []) => {
  const h = new Set(have);
  return [...new Set(xs)].filter((x) => !h.has(x)).sort();
};

export interface AwsPlanInput {
  verdict: Verdict;
  /** sha256 of the verified verdict attestation (DSSE envelope bytes). */
  attestationSha256: string;
  stage: AwsStage;
  state: AwsState;
  at: string;
}

export function planAws({ verdict, attestationSha256, stage, state, at }: AwsPlanInput): AwsPlan {
  const src = state.source;
  const owner = src.account;
  const source = { account: owner, region: src.region, imageId: src.imageId };
  const found = new Map(state.images.map((i) => [slotKey(i), i]));
  found.set(slotKey(src), src);
  const tags = promotionTags(verdict, attestationSha256, stage, src, at);
  const copyTags = { ...tags, ...lineageTags(source, stage.name) };
  const actions: AwsAction[] = [];
  const waits: AwsAction[] = [];
  const after: AwsAction[] = [];

  // Recipients: named accounts, OU / organization members, and accounts owning a copy.
  const via = new Map<string, Set<string>>();
  const receive = (account: string, why: string) => {
    if (account === owner) return;
    if (!via.has(account)) via.set(account, new Set());
    via.get(account)?.add(why);
  };
  for (const a of stage.shareWith) receive(a, 'shareWith');
  for (const arn of [...stage.organizations, ...stage.ous]) {
    for (const a of state.members[arn] ?? []) receive(a, arn);
  }
  for (const c of stage.copyTo) receive(c.account, 'copyTo');
  const viewers = [...via.keys()].filter((a) => [...(via.get(a) ?? [])].some((w) => w !== 'copyTo')).sort();
  const copiers = stage.copyTo.filter((c) => c.account !== owner);
  const launchAccounts = [...stage.shareWith, ...copiers.map((c) => c.account)].filter((a) => a !== owner);

  const images: ImageSlot[] = [];
  // 1. The stage image in every region of the owner account: the source itself, or a copy.
  for (const r of stage.regions) {
    const slot = { account: owner, region: r.region };
    images.push(slot);
    const have = found.get(slotKey(slot));
    if (!have) {
      actions.push({
        kind: 'copy',
        target: slot,
        from: { account: owner, region: src.region },
        name: copyName(src.name, stage.name, state.failedCopies?.[slotKey(slot)]),
        clientToken: copyToken(source, slot, stage.name, state.failedCopies?.[slotKey(slot)]),
        encrypted: src.encrypted || r.kmsKeyId !== undefined,
        ...(r.kmsKeyId ? { kmsKeyId: r.kmsKeyId } : {}),
        tags: copyTags,
      });
    }
    if (have?.state !== 'available') waits.push({ kind: 'wait', image: slot });
    const wantTags = have === src ? tags : copyTags;
    const tagNow = have ? missingTags(wantTags, have.tags) : {};
    if (nonEmpty(tagNow)) after.push({ kind: 'tag', image: slot, as: owner, tags: tagNow });

    // 2. Share it: launch permission (accounts, organizations, OUs), snapshots for copying.
    const launch = have?.launch ?? { accounts: [], organizationArns: [], ouArns: [] };
    const add = {
      accounts: minus(launchAccounts, launch.accounts),
      organizationArns: minus(stage.organizations, launch.organizationArns),
      ouArns: minus(stage.ous, launch.ouArns),
    };
    if (add.accounts.length || add.organizationArns.length || add.ouArns.length) {
      after.push({ kind: 'share-launch', image: slot, add });
    }
    const snapshotsTo = minus(via.keys(), have?.snapshotAccounts ?? []);
    if (snapshotsTo.length) after.push({ kind: 'share-snapshots', image: slot, accounts: snapshotsTo });

    // 3. Tags do not cross accounts: each receiving account tags its own view, through its role.
    for (const viewer of viewers) {
      const role = roleFor(stage.role ?? '', viewer);
      const seen = have ? (state.viewTags[viewKey(slot, viewer)] ?? {}) : {};
      const missing = have ? missingTags(tags, seen) : tags;
      if (nonEmpty(missing)) after.push({ kind: 'tag', image: slot, as: viewer, role, tags: missing });
    }
  }

  // 4. Accounts that own their copy: CopyImage from inside the account, from the shared image.
  const copyWaits: AwsAction[] = [];
  const copyTagsAfter: AwsAction[] = [];
  const copyActions: AwsAction[] = [];
  for (const c of copiers) {
    const role = roleFor(c.role, c.account);
    for (const r of stage.regions) {
      const slot = { account: c.account, region: r.region };
      images.push(slot);
      const have = found.get(slotKey(slot));
      const kmsKeyId = c.kmsKeyIds[r.region];
      if (!have) {
        copyActions.push({
          kind: 'copy',
          target: slot,
          role,
          from: { account: owner, region: r.region },
          name: copyName(src.name, stage.name, state.failedCopies?.[slotKey(slot)]),
          clientToken: copyToken(source, slot, stage.name, state.failedCopies?.[slotKey(slot)]),
          encrypted: src.encrypted || kmsKeyId !== undefined,
          ...(kmsKeyId ? { kmsKeyId } : {}),
          tags: copyTags,
        });
      }
      if (have?.state !== 'available') copyWaits.push({ kind: 'wait', image: slot, role });
      const tagNow = have ? missingTags(copyTags, have.tags) : {};
      if (nonEmpty(tagNow))
        copyTagsAfter.push({ kind: 'tag', image: slot, as: c.account, role, tags: tagNow });
    }
  }

  // 5. The SSM parameter points at the stage image of each region.
  const ssm: AwsAction[] = [];
  if (stage.ssmParameter) {
    for (const r of stage.regions) {
      const slot = { account: owner, region: r.region };
      const have = found.get(slotKey(slot));
      if (!have || state.ssm[r.region] !== have.imageId) {
        ssm.push({ kind: 'ssm', region: r.region, name: stage.ssmParameter, image: slot });
      }
    }
  }

  return {
    stage: stage.name,
    source,
    recipients: [...via.entries()]
      .map(([account, why]) => ({ account, via: [...why].sort() }))
      .sort((a, b) => a.account.localeCompare(b.account)),
    images,
    // Copies start together (they run in parallel inside AWS), then waits, then sharing, which
    // needs available images; copies into other accounts need the sharing first.
    actions: [...actions, ...waits, ...after, ...copyActions, ...copyWaits, ...copyTagsAfter, ...ssm],
  };
}

/**
 * AMI names are unique per account and region, and a failed image keeps its name: a per-stage
 * copy needs its own, and a new attempt after failures another.
 */
function copyName(sourceName: string, stage: string, failed: string[] = []): string {
  const suffix = `-${stage}${failed.length ? `-${failed.length + 1}` : ''}`;
  return `${sourceName.slice(0, 128 - suffix.length)}${suffix}`;
}

// ── registry ────────────────────────────────────────────────────────────────────────────────

export interface RegistryState {
  /** Local image id of what is being promoted (the tested one, already checked). */
  imageId: string;
  /** Manifest digest and config digest behind each tag already in the repository. */
  tags: Record<string, { digest: string; config: string }>;
}

export type RegistryAction =
  | { kind: 'push'; repository: string; tag: string }
  | { kind: 'verify'; repository: string; tag: string; imageId: string }
  | { kind: 'retag'; repository: string; tag: string };

export interface RegistryPlan {
  stage: string;
  repository: string;
  identityTag: string;
  /** Stage tags, all of which name the verified digest once the plan has run. */
  tags: string[];
  actions: RegistryAction[];
}

/**
 * A content-addressed tag (`sha256-<image id>`) is pushed first and verified; the stage tags
 * are then pointed at that verified manifest by digest, so they can never name anything else.
 */
export function identityTag(imageId: string): string {
  return imageId.replace(/^sha256:/, 'sha256-');
}

export function planRegistry(stage: RegistryStage, state: RegistryState): RegistryPlan {
  const idTag = identityTag(state.imageId);
  const actions: RegistryAction[] = [];
  const found = state.tags[idTag];
  const pushed = found?.config === state.imageId ? found : undefined;
  if (!pushed) actions.push({ kind: 'push', repository: stage.repository, tag: idTag });
  actions.push({ kind: 'verify', repository: stage.repository, tag: idTag, imageId: state.imageId });
  for (const tag of stage.tags) {
    const now = state.tags[tag];
    // The same image under another manifest digest (pushed with other compression) moves to ours.
    if (!now || now.config !== state.imageId || (pushed && now.digest !== pushed.digest)) {
      actions.push({ kind: 'retag', repository: stage.repository, tag });
    }
  }
  return { stage: stage.name, repository: stage.repository, identityTag: idTag, tags: stage.tags, actions };
}
