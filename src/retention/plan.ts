import { organizationOfArn } from '../aws/arn.js';
import {
  type Action,
  type Decision,
  type ImageRecord,
  type LaunchPermissions,
  type Plan,
  type Reason,
  type Scope,
  type ScopeFailure,
  scopeKey,
  type UsageRef,
} from './model.js';
import { groupOf, isSelected, protections, type RetentionRules } from './rules.js';

export interface PlanInput {
  images: ImageRecord[];
  usage: UsageRef[];
  /** Known launch permissions by image id; a candidate without an entry is not retired yet. */
  launchPermissions: ReadonlyMap<string, LaunchPermissions>;
  failures: ScopeFailure[];
  /** Every account-region in scope (usage was listed in each). */
  scopes: Scope[];
  /** Accounts came from the whole organization, so shares with it and its OUs stay inside. */
  organizationWide: boolean;
  /**
   * `o-…` of that organization. A share with any other organization or its OUs is outside use,
   * and so is every organization share when this is unknown: never guess who else may launch.
   */
  organizationId?: string;
  rules: RetentionRules;
  now: Date;
}

const DAY = 86_400_000;
const MAX_REFS_SHOWN = 3;

/**
 * The retention plan: a pure, deterministic function of its input. Order of evaluation:
 * hard keeps (scope incomplete, not available, newest N, young, in use, protected, shared) →
 * floor per group → staged retirement timing → per-run deletion cap → launch permissions known.
 * Every step only ever turns a retirement into a keep, never the reverse.
 */
export function planRetention(input: PlanInput): Plan {
  const { rules, now } = input;
  const nowMs = now.getTime();
  const failedScopes = new Map<string, ScopeFailure[]>();
  for (const f of input.failures) {
    const k = scopeKey(f);
    failedScopes.set(k, [...(failedScopes.get(k) ?? []), f]);
  }
  const inScope = new Set(input.scopes.map(scopeKey));
  const usage = indexUsage(input.usage);

  const decisions: Decision[] = [];
  const groups = new Map<string, Decision[]>();
  for (const image of input.images) {
    if (!isSelected(rules, image)) {
      decisions.push({
        image,
        action: 'keep',
        reasons: [{ code: 'not-selected', detail: 'not selected by rules' }],
      });
      continue;
    }
    const group = groupOf(rules, image);
    if (group === undefined) {
      const how = rules.group.tag ? `no ${rules.group.tag} tag` : 'name does not match group.namePattern';
      decisions.push({
        image,
        action: 'keep',
        reasons: [{ code: 'ungrouped', detail: `no group key (${how})` }],
      });
      continue;
    }
    const d: Decision = { image, group, action: 'keep', reasons: [] };
    decisions.push(d);
    const gk = `${image.account}/${image.region}/${group}`;
    const members = groups.get(gk);
    if (members) members.push(d);
    else groups.set(gk, [d]);
  }

  let selected = 0;
  const candidates: Decision[] = [];
  for (const members of groups.values()) {
    members.sort(newestFirst);
    selected += members.length;
    let rank = 0;
    const open: Decision[] = [];
    let kept = 0;
    for (const d of members) {
      const usable = d.image.state === 'available';
      const reasons = hardKeeps(d.image, usable ? rank : -1, input, failedScopes, inScope, usage, nowMs);
      if (usable) rank++;
      d.reasons = reasons;
      if (reasons.length > 0) {
        if (usable) kept++;
      } else open.push(d);
    }
    // Floor: the newest usable candidates are kept until the group holds `retainAtLeast`.
    for (const d of open) {
      if (kept < rules.retainAtLeast && d.image.state === 'available') {
        d.reasons = [{ code: 'floor', detail: `keeps the group at its floor of ${rules.retainAtLeast}` }];
        kept++;
      } else {
        candidates.push(d);
      }
    }
  }

  for (const d of candidates) stage(d, rules, nowMs);

  const deletionCap = capFor(rules, selected);
  let deferredByCap = 0;
  if (deletionCap !== null) {
    const deregs = candidates.filter((d) => d.action === 'deregister').sort(oldestFirst);
    for (const d of deregs.slice(deletionCap)) {
      d.action = 'keep';
      d.reasons.push({ code: 'cap', detail: `deferred: per-run deletion cap of ${deletionCap} reached` });
      deferredByCap++;
    }
  }

  const needLaunchPermissions: string[] = [];
  for (const d of candidates) {
    if (d.action === 'keep' || input.launchPermissions.has(d.image.id)) continue;
    needLaunchPermissions.push(d.image.id);
    d.reasons.push({
      code: 'launch-permissions-unknown',
      detail: `would ${d.action}; launch permissions not read yet`,
    });
    d.action = 'keep';
  }

  decisions.sort(byPlace);
  needLaunchPermissions.sort();
  const count = (a: Action) => decisions.reduce((n, d) => n + (d.action === a ? 1 : 0), 0);
  return {
    generatedAt: now.toISOString(),
    decisions,
    failures: [...input.failures].sort(
      (a, b) => cmp(scopeKey(a), scopeKey(b)) || cmp(a.source, b.source) || cmp(a.error, b.error),
    ),
    needLaunchPermissions,
    summary: {
      images: decisions.length,
      selected,
      keep: count('keep'),
      deprecate: count('deprecate'),
      disable: count('disable'),
      deregister: count('deregister'),
      deferredByCap,
      deletionCap,
      scopes: input.scopes.length,
      incompleteScopes: failedScopes.size,
    },
  };
}

function hardKeeps(
  image: ImageRecord,
  rank: number,
  input: PlanInput,
  failedScopes: Map<string, ScopeFailure[]>,
  inScope: Set<string>,
  usage: Map<string, UsageRef[]>,
  nowMs: number,
): Reason[] {
  const { rules } = input;
  const out: Reason[] = [];
  const failed = failuresAt(failedScopes, image.account, image.region);
  if (failed) {
    const why = failed.map((f) => `${f.source}: ${f.error}`).join('; ');
    out.push({ code: 'scope-incomplete', detail: `${scopeKey(image)} not fully listed (${why})` });
  }
  if (image.state !== 'available' && image.state !== 'disabled') {
    out.push({ code: 'not-available', detail: `state ${image.state}` });
  }
  if (rank >= 0 && rank < rules.keepNewest) {
    out.push({ code: 'newest', detail: `#${rank + 1} newest of its group (keepNewest ${rules.keepNewest})` });
  }
  const ageDays = (nowMs - Date.parse(image.creationDate)) / DAY;
  if (!(ageDays >= rules.keepYoungerThanDays)) {
    out.push({
      code: 'young',
      detail: `${Math.max(0, Math.floor(ageDays))} days old (< ${rules.keepYoungerThanDays})`,
    });
  }
  for (const r of describeUsage(usage.get(image.id))) out.push(r);
  for (const r of protections(rules, image)) out.push(r);
  const lp = input.launchPermissions.get(image.id);
  if (lp) for (const r of sharing(image, lp, input, failedScopes, inScope)) out.push(r);
  return out;
}

/** One reason per (source, account-region), naming up to three references. */
function describeUsage(refs: UsageRef[] | undefined): Reason[] {
  if (!refs) return [];
  const by = new Map<string, UsageRef[]>();
  for (const r of refs) {
    const k = `${r.source} in ${scopeKey(r)}`;
    const list = by.get(k);
    if (list) list.push(r);
    else by.set(k, [r]);
  }
  return [...by.keys()].sort().map((k) => {
    const list = (by.get(k) ?? []).map((r) => r.ref).sort();
    const shown = list.slice(0, MAX_REFS_SHOWN).join(', ');
    const more = list.length > MAX_REFS_SHOWN ? ` +${list.length - MAX_REFS_SHOWN} more` : '';
    return { code: 'in-use' as const, detail: `${k}: ${shown}${more}` };
  });
}

/**
 * Shares decide two things: an account outside the scope might launch the image (kept unless
 * `sharedOutsideScope: retire`), and an in-scope account whose usage is unknown might be using it.
 */
function sharing(
  image: ImageRecord,
  lp: LaunchPermissions,
  input: PlanInput,
  failedScopes: Map<string, ScopeFailure[]>,
  inScope: Set<string>,
): Reason[] {
  const out: Reason[] = [];
  if (
    lp.userIds.length + lp.groups.length + lp.organizationArns.length + lp.organizationalUnitArns.length ===
    0
  ) {
    return out;
  }
  // Group `all` is a public launch permission: everyone outside the scope may launch it.
  const outside: string[] = lp.groups.includes('all') ? ['all (public)'] : [];
  const unknown: string[] = [];
  for (const user of [...lp.userIds].sort()) {
    if (user === image.account) continue;
    if (failuresAt(failedScopes, user, image.region)) unknown.push(user);
    else if (!inScope.has(`${user}/${image.region}`)) outside.push(user);
  }
  const orgShares = [...lp.organizationArns, ...lp.organizationalUnitArns].sort();
  const ours = (arn: string) =>
    input.organizationWide &&
    input.organizationId !== undefined &&
    organizationOfArn(arn) === input.organizationId;
  outside.push(...orgShares.filter((arn) => !ours(arn)));
  if (orgShares.some(ours)) {
    for (const k of [...failedScopes.keys()].sort()) {
      const [account, region] = k.split('/') as [string, string];
      if ((region === image.region || region === '*') && account !== image.account) unknown.push(account);
    }
  }
  if (outside.length > 0 && input.rules.sharedOutsideScope === 'keep') {
    out.push({ code: 'shared', detail: `launch permission outside the scope: ${outside.join(', ')}` });
  }
  if (unknown.length > 0) {
    out.push({
      code: 'scope-incomplete',
      detail: `shared with ${[...new Set(unknown)].join(', ')} whose usage in ${image.region} is unknown`,
    });
  }
  return out;
}

/** Staged retirement: deprecate now, disable and deregister N days after the deprecation time. */
function stage(d: Decision, rules: RetentionRules, nowMs: number): void {
  const { image } = d;
  const ageDays = Math.floor((nowMs - Date.parse(image.creationDate)) / DAY);
  d.reasons.push({
    code: 'expired',
    detail: `not among the newest ${rules.keepNewest}, ${ageDays} days old`,
  });
  const s = rules.stages;
  if (!s.deprecate) {
    d.action = 'deregister';
    d.reasons.push({ code: 'stage-due', detail: 'staged retirement is off: deregister now' });
    return;
  }
  const deprecatedMs = image.deprecationTime ? Date.parse(image.deprecationTime) : Number.NaN;
  if (!(deprecatedMs <= nowMs)) {
    d.action = 'deprecate';
    d.reasons.push({ code: 'stage-due', detail: 'deprecate now' });
    return;
  }
  const since = image.deprecationTime as string;
  if (s.disableAfterDays !== undefined && image.state !== 'disabled') {
    const due = deprecatedMs + s.disableAfterDays * DAY;
    if (nowMs >= due) {
      d.action = 'disable';
      d.reasons.push({ code: 'stage-due', detail: `deprecated ${since}; disable due ${iso(due)}` });
    } else {
      d.reasons.push({ code: 'retiring', detail: `deprecated ${since}; disable due ${iso(due)}` });
    }
    return;
  }
  const due = deprecatedMs + s.deregisterAfterDays * DAY;
  if (nowMs >= due) {
    d.action = 'deregister';
    d.reasons.push({ code: 'stage-due', detail: `deprecated ${since}; deregister due ${iso(due)}` });
  } else {
    d.reasons.push({ code: 'retiring', detail: `deprecated ${since}; deregister due ${iso(due)}` });
  }
}

/** Failures of one account-region, or of the whole account when its regions could not be listed. */
function failuresAt(
  failed: Map<string, ScopeFailure[]>,
  account: string,
  region: string,
): ScopeFailure[] | undefined {
  if (failed.size === 0) return undefined;
  const here = failed.get(`${account}/${region}`);
  const everywhere = failed.get(`${account}/*`);
  return here && everywhere ? [...here, ...everywhere] : (here ?? everywhere);
}

function capFor(rules: RetentionRules, selected: number): number | null {
  const caps: number[] = [];
  if (rules.maxDeletions !== undefined) caps.push(rules.maxDeletions);
  if (rules.maxDeletionsPercent !== undefined)
    caps.push(Math.floor((rules.maxDeletionsPercent * selected) / 100));
  return caps.length > 0 ? Math.min(...caps) : null;
}

function indexUsage(refs: UsageRef[]): Map<string, UsageRef[]> {
  const m = new Map<string, UsageRef[]>();
  for (const r of refs) {
    const list = m.get(r.imageId);
    if (list) list.push(r);
    else m.set(r.imageId, [r]);
  }
  return m;
}

const iso = (ms: number) => new Date(ms).toISOString();

function newestFirst(a: Decision, b: Decision): number {
  return cmp(b.image.creationDate, a.image.creationDate) || cmp(a.image.id, b.image.id);
}

function oldestFirst(a: Decision, b: Decision): number {
  return (
    cmp(a.image.creationDate, b.image.creationDate) ||
    cmp(scopeKey(a.image), scopeKey(b.image)) ||
    cmp(a.image.id, b.image.id)
  );
}

function byPlace(a: Decision, b: Decision): number {
  return (
    cmp(a.image.account, b.image.account) ||
    cmp(a.image.region, b.image.region) ||
    cmp(a.group ?? '', b.group ?? '') ||
    cmp(b.image.creationDate, a.image.creationDate) ||
    cmp(a.image.id, b.image.id)
  );
}

/** Code-unit order, not locale order, so plans are identical on every machine. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
