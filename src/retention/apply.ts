import {
  DeregisterImageCommand,
  DisableImageCommand,
  EnableImageDeprecationCommand,
} from '@aws-sdk/client-ec2';
import { mapLimit } from '../core/pool.js';
import { type AuditLog, pendingSnapshotDeletions, readAudit } from './audit.js';
import { awsScope, describeError, paceKey, type RetentionAws } from './context.js';
import { describeImagesById, isNotFound } from './inventory.js';
import {
  type Decision,
  type ImageRecord,
  type LaunchPermissions,
  type Scope,
  type ScopeFailure,
  scopeKey,
  type UsageRef,
} from './model.js';
import { type PlanInput, planRetention } from './plan.js';
import { deleteUnusedSnapshots } from './snapshots.js';
import { instanceUsage } from './usage/instances.js';
import { launchPermissions } from './usage/launch-permissions.js';
import { collectUsage } from './usage.js';

type RetireAction = 'deprecate' | 'disable' | 'deregister';

export interface ApplyOptions {
  input: PlanInput;
  decisions: Decision[];
  /** Every scope with its role (usage is re-listed in all scopes of a candidate's region). */
  scopes: Scope[];
  audit: AuditLog;
  ssmParameters: string[];
  concurrency: number;
  /** Candidates re-checked together before acting; small enough that the check stays fresh. */
  batchSize?: number;
  clock?: () => Date;
  progress?: (line: string) => void;
  /** Aborted (Ctrl-C): finish the action in flight, skip the rest; a re-run continues. */
  signal?: AbortSignal;
}

export interface ApplyOutcome {
  imageId: string;
  account: string;
  region: string;
  action: RetireAction;
  status: 'done' | 'skipped' | 'failed';
  detail: string;
}

export interface ApplyReport {
  outcomes: ApplyOutcome[];
  /** Deregistrations from earlier, interrupted runs whose snapshots were finished now. */
  resumed: ApplyOutcome[];
  /**
   * Listings that failed while re-checking (the batch re-check, or the last instance check before
   * a deregistration). The images concerned were skipped; the run is incomplete all the same, so
   * it must say so (exit 3) like a failure during the survey.
   */
  failures: ScopeFailure[];
}

/**
 * Carry out a plan. First finish what an interrupted run left (snapshots of images it
 * deregistered). Then, per region and in small batches: re-read the candidates, their launch
 * permissions and usage in every scope of the region, re-plan, and act only where the fresh plan
 * still says the same thing. Every step is in the audit log before and after it happens.
 */
export async function applyPlan(aws: RetentionAws, opts: ApplyOptions): Promise<ApplyReport> {
  const clock = opts.clock ?? (() => new Date());
  const byKey = new Map(opts.scopes.map((s) => [scopeKey(s), s]));
  const resumed = await resume(aws, opts, byKey);
  opts.audit.write({
    event: 'run-start',
    detail: `${opts.decisions.filter(actionable).length} planned actions`,
  });

  const regions = new Map<string, Decision[]>();
  for (const d of opts.decisions.filter(actionable)) {
    const list = regions.get(d.image.region);
    if (list) list.push(d);
    else regions.set(d.image.region, [d]);
  }
  const size = opts.batchSize ?? 100;
  const failures: ScopeFailure[] = [];
  const perRegion = await mapLimit([...regions], opts.concurrency, async ([region, list]) => {
    const out: ApplyOutcome[] = [];
    for (let i = 0; i < list.length; i += size) {
      out.push(...(await applyBatch(aws, opts, region, list.slice(i, i + size), byKey, clock, failures)));
    }
    return out;
  });
  const outcomes = perRegion.flat();
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  opts.audit.write({
    event: 'run-end',
    ok: failed === 0,
    detail: `${outcomes.length} outcomes, ${failed} failed`,
  });
  return { outcomes, resumed, failures: distinctFailures(failures) };
}

/** One entry per (scope, source, error): a source failing in every batch is one failure. */
function distinctFailures(list: ScopeFailure[]): ScopeFailure[] {
  const seen = new Map<string, ScopeFailure>();
  for (const f of list) seen.set(`${scopeKey(f)}|${f.source}|${f.error}`, f);
  return [...seen.values()];
}

const actionable = (d: Decision) => d.action !== 'keep';

async function applyBatch(
  aws: RetentionAws,
  opts: ApplyOptions,
  region: string,
  batch: Decision[],
  byKey: Map<string, Scope>,
  clock: () => Date,
  failures: ScopeFailure[],
): Promise<ApplyOutcome[]> {
  const ids = new Set(batch.map((d) => d.image.id));
  const fresh = await recheck(aws, opts, region, batch, byKey);
  failures.push(...fresh.failures);
  const replaced = new Map(fresh.images.map((i) => [i.id, i]));
  const lps = new Map<string, LaunchPermissions>(opts.input.launchPermissions);
  for (const id of ids) lps.delete(id);
  for (const [id, lp] of fresh.launchPermissions) lps.set(id, lp);
  const replan = planRetention({
    ...opts.input,
    images: opts.input.images.flatMap((i) => (fresh.gone.has(i.id) ? [] : [replaced.get(i.id) ?? i])),
    // Union with the first listing: whatever was in use at either time stays kept.
    usage: [...opts.input.usage, ...fresh.usage],
    launchPermissions: lps,
    failures: [...opts.input.failures, ...fresh.failures],
    now: clock(),
  });
  const now = new Map(replan.decisions.map((d) => [d.image.id, d]));

  const out: ApplyOutcome[] = [];
  for (const planned of batch) {
    const action = planned.action as RetireAction;
    const { id, account, region: r } = planned.image;
    const base = { imageId: id, account, region: r, action };
    if (opts.signal?.aborted) {
      opts.audit.write({ event: 'skip', ...base, detail: 'interrupted' });
      out.push({ ...base, status: 'skipped', detail: 'interrupted before acting' });
      continue;
    }
    const current = now.get(id);
    if (!current || current.action !== action) {
      const why = current
        ? `re-check says ${current.action}: ${current.reasons.map((x) => x.detail).join('; ')}`
        : 'image no longer exists';
      opts.audit.write({ event: 'skip', ...base, detail: why });
      out.push({ ...base, status: 'skipped', detail: why });
      continue;
    }
    if (action === 'deregister') {
      const launched = await launchedSince(aws, opts, current.image, lps.get(id), failures);
      if (launched) {
        opts.audit.write({ event: 'skip', ...base, detail: launched });
        out.push({ ...base, status: 'skipped', detail: launched });
        continue;
      }
    }
    const scope = byKey.get(scopeKey(planned.image)) as Scope;
    out.push(await act(aws, opts, scope, current.image, action, clock));
  }
  opts.progress?.(`applied ${out.filter((o) => o.status === 'done').length}/${batch.length} in ${region}`);
  return out;
}

/**
 * Deregistration cannot be undone, so instances (the usage that changes by the minute) are asked
 * once more, immediately before it, in every account of the region that can launch the image:
 * its owner and those it is shared with (all, when shared with an organization or OU). Returns
 * why not to go ahead, or undefined; a scope that cannot be asked is added to `failures`.
 */
async function launchedSince(
  aws: RetentionAws,
  opts: ApplyOptions,
  image: ImageRecord,
  lp: LaunchPermissions | undefined,
  failures: ScopeFailure[],
) {
  const orgShared = lp ? lp.organizationArns.length + lp.organizationalUnitArns.length > 0 : false;
  const may = (account: string) =>
    account === image.account || orgShared || (lp?.userIds.includes(account) ?? false);
  const scopes = opts.scopes.filter((s) => s.region === image.region && may(s.account));
  const errors: string[] = [];
  const found = (
    await mapLimit(scopes, opts.concurrency, (s) =>
      instanceUsage(aws, s, [image.id]).catch((err: unknown) => {
        const error = describeError(err);
        failures.push({ account: s.account, region: s.region, source: 'instance', error });
        errors.push(`${scopeKey(s)}: ${error}`);
        return [];
      }),
    )
  ).flat();
  if (errors.length > 0) return `instances could not be re-checked: ${errors.join('; ')}`;
  if (found.length === 0) return undefined;
  return `in use since the batch re-check: ${found.map((u) => `${u.ref} in ${scopeKey(u)}`).join(', ')}`;
}

interface Recheck {
  images: ImageRecord[];
  /** Asked for and confirmed absent: deregistered by someone else meanwhile. */
  gone: Set<string>;
  usage: UsageRef[];
  launchPermissions: Map<string, LaunchPermissions>;
  failures: ScopeFailure[];
}

/** Fresh image records, launch permissions, and usage in every in-scope account of the region. */
async function recheck(
  aws: RetentionAws,
  opts: ApplyOptions,
  region: string,
  batch: Decision[],
  byKey: Map<string, Scope>,
): Promise<Recheck> {
  const ids = batch.map((d) => d.image.id);
  const res: Recheck = { images: [], gone: new Set(), usage: [], launchPermissions: new Map(), failures: [] };
  const owners = new Map<string, string[]>();
  for (const d of batch) {
    const k = scopeKey(d.image);
    const list = owners.get(k);
    if (list) list.push(d.image.id);
    else owners.set(k, [d.image.id]);
  }
  await mapLimit([...owners], opts.concurrency, async ([k, own]) => {
    const scope = byKey.get(k) as Scope;
    try {
      const found = await describeImagesById(aws, scope, own);
      res.images.push(...found);
      const seen = new Set(found.map((i) => i.id));
      for (const id of own) if (!seen.has(id)) res.gone.add(id);
    } catch (err) {
      res.failures.push({ account: scope.account, region, source: 'images', error: describeError(err) });
    }
    try {
      for (const [id, lp] of await launchPermissions(aws, scope, own)) res.launchPermissions.set(id, lp);
    } catch (err) {
      res.failures.push({
        account: scope.account,
        region,
        source: 'launch-permission',
        error: describeError(err),
      });
    }
  });
  // Only accounts that can launch one of these images can have started using it: the owners and
  // the accounts they are shared with (everyone, with an organization/OU share or when a launch
  // permission could not be read).
  const may = new Set(batch.map((d) => d.image.account));
  let everyone = res.failures.length > 0;
  for (const lp of res.launchPermissions.values()) {
    for (const u of lp.userIds) may.add(u);
    if (lp.organizationArns.length + lp.organizationalUnitArns.length > 0) everyone = true;
  }
  const regional = opts.scopes.filter((s) => s.region === region && (everyone || may.has(s.account)));
  await mapLimit(regional, opts.concurrency, async (scope) => {
    const u = await collectUsage(aws, scope, { ssmParameters: opts.ssmParameters, imageIds: ids });
    res.usage.push(...u.refs);
    res.failures.push(...u.failures);
  });
  return res;
}

async function act(
  aws: RetentionAws,
  opts: ApplyOptions,
  scope: Scope,
  image: ImageRecord,
  action: RetireAction,
  clock: () => Date,
): Promise<ApplyOutcome> {
  const ec2 = aws.clients.ec2(awsScope(scope));
  const base = { imageId: image.id, account: scope.account, region: scope.region, action };
  const mutate = <T>(op: string, fn: () => Promise<T>) => aws.caller.call(paceKey(scope), 'mutate', op, fn);
  opts.audit.write({
    event: 'intent',
    ...base,
    ...(action === 'deregister' ? { snapshotIds: image.snapshotIds } : {}),
  });
  try {
    let detail = '';
    if (action === 'deprecate') {
      // EC2 rejects a time in the past and rounds to the minute: the next whole minute is "now".
      const at = new Date(Math.ceil((clock().getTime() + 1) / 60_000) * 60_000);
      await mutate('ec2:EnableImageDeprecation', () =>
        ec2.send(new EnableImageDeprecationCommand({ ImageId: image.id, DeprecateAt: at })),
      );
      detail = `deprecated at ${at.toISOString()}`;
    } else if (action === 'disable') {
      await mutate('ec2:DisableImage', () => ec2.send(new DisableImageCommand({ ImageId: image.id })));
      detail = 'disabled';
    } else {
      try {
        await mutate('ec2:DeregisterImage', () =>
          ec2.send(new DeregisterImageCommand({ ImageId: image.id })),
        );
        detail = 'deregistered';
      } catch (err) {
        if (!isNotFound(err)) throw err;
        detail = 'already deregistered';
      }
    }
    opts.audit.write({ event: 'result', ...base, ok: true, detail });
    if (action !== 'deregister') return { ...base, status: 'done', detail };
    const errors = await deleteUnusedSnapshots(aws, scope, image.id, image.snapshotIds, opts.audit);
    if (errors.length > 0) {
      return {
        ...base,
        status: 'failed',
        detail: `${detail}; snapshots left for the next run: ${errors.join('; ')}`,
      };
    }
    opts.audit.write({ event: 'snapshots-done', ...base, ok: true });
    return { ...base, status: 'done', detail: `${detail}; ${image.snapshotIds.length} snapshot(s) handled` };
  } catch (err) {
    const error = describeError(err);
    opts.audit.write({ event: 'result', ...base, ok: false, error });
    return { ...base, status: 'failed', detail: error };
  }
}

/**
 * Finish deregistrations an earlier run started: if the image is gone, its snapshots are deleted
 * (unless used); if it still exists, the plan owns it again and the entry is closed.
 */
async function resume(
  aws: RetentionAws,
  opts: ApplyOptions,
  byKey: Map<string, Scope>,
): Promise<ApplyOutcome[]> {
  const out: ApplyOutcome[] = [];
  for (const p of pendingSnapshotDeletions(readAudit(opts.audit.path))) {
    const scope = byKey.get(scopeKey(p));
    if (!scope) continue; // Out of this run's scope; a run that covers it will finish it.
    const base = { imageId: p.imageId, account: p.account, region: p.region, action: 'deregister' as const };
    try {
      if ((await describeImagesById(aws, scope, [p.imageId])).length > 0) {
        opts.audit.write({
          event: 'snapshots-done',
          ...base,
          detail: 'image still exists; nothing to finish',
        });
        continue;
      }
      const errors = await deleteUnusedSnapshots(aws, scope, p.imageId, p.snapshotIds, opts.audit);
      if (errors.length > 0) {
        out.push({ ...base, status: 'failed', detail: `resumed; snapshots left: ${errors.join('; ')}` });
        continue;
      }
      opts.audit.write({ event: 'snapshots-done', ...base, ok: true, detail: 'resumed' });
      out.push({ ...base, status: 'done', detail: `resumed: ${p.snapshotIds.length} snapshot(s) handled` });
    } catch (err) {
      out.push({ ...base, status: 'failed', detail: `resume: ${describeError(err)}` });
    }
  }
  return out;
}
