import { mapLimit } from '../core/pool.js';
import { describeError, type RetentionAws } from './context.js';
import { listImages } from './inventory.js';
import {
  type ImageRecord,
  type LaunchPermissions,
  type Plan,
  type Scope,
  type ScopeFailure,
  scopeKey,
  type UsageRef,
} from './model.js';
import { type PlanInput, planRetention } from './plan.js';
import type { RetentionRules } from './rules.js';
import type { ResolvedScopes } from './scopes.js';
import { launchPermissions } from './usage/launch-permissions.js';
import { collectUsage } from './usage.js';

export interface SurveyOptions {
  rules: RetentionRules;
  ssmParameters: string[];
  concurrency: number;
  now: Date;
  progress?: (line: string) => void;
}

export interface Survey {
  input: PlanInput;
  plan: Plan;
}

/**
 * Inventory and usage for every scope (bounded concurrency across account-regions; pacing per
 * account-region inside), then plan. Launch permissions have no batch API, so they are read only
 * for images the plan would retire, re-planning until no such image is left unread.
 */
export async function survey(
  aws: RetentionAws,
  resolved: ResolvedScopes,
  opts: SurveyOptions,
): Promise<Survey> {
  const images: ImageRecord[] = [];
  const usage: UsageRef[] = [];
  const failures: ScopeFailure[] = [...resolved.failures];
  let done = 0;
  await mapLimit(resolved.scopes, opts.concurrency, async (scope) => {
    const [inv, use] = await Promise.all([
      listImages(aws, scope).then(
        (list) => list,
        (err: unknown) => describeError(err),
      ),
      collectUsage(aws, scope, { ssmParameters: opts.ssmParameters }),
    ]);
    if (typeof inv === 'string')
      failures.push({ account: scope.account, region: scope.region, source: 'images', error: inv });
    else images.push(...inv);
    usage.push(...use.refs);
    failures.push(...use.failures);
    done++;
    opts.progress?.(`surveyed ${scopeKey(scope)} (${done}/${resolved.scopes.length})`);
  });

  const lps = new Map<string, LaunchPermissions>();
  const input: PlanInput = {
    images,
    usage,
    launchPermissions: lps,
    failures,
    scopes: resolved.scopes.map(({ account, region }) => ({ account, region })),
    organizationWide: resolved.organizationWide,
    ...(resolved.organizationId ? { organizationId: resolved.organizationId } : {}),
    rules: opts.rules,
    now: opts.now,
  };
  const attempted = new Set<string>();
  const byKey = new Map(resolved.scopes.map((s) => [scopeKey(s), s]));
  const where = new Map(images.map((i) => [i.id, scopeKey(i)]));
  for (;;) {
    const plan = planRetention(input);
    const todo = plan.needLaunchPermissions.filter((id) => !attempted.has(id));
    if (todo.length === 0) return { input, plan };
    for (const id of todo) attempted.add(id);
    const perScope = new Map<string, string[]>();
    for (const id of todo) {
      const k = where.get(id) as string;
      const list = perScope.get(k);
      if (list) list.push(id);
      else perScope.set(k, [id]);
    }
    await mapLimit([...perScope], opts.concurrency, async ([k, ids]) => {
      const scope = byKey.get(k) as Scope;
      try {
        for (const [id, lp] of await launchPermissions(aws, scope, ids)) lps.set(id, lp);
      } catch (err) {
        failures.push({
          account: scope.account,
          region: scope.region,
          source: 'launch-permission',
          error: describeError(err),
        });
      }
    });
  }
}
