import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { PacedCaller } from '../aws/call.js';
import { AwsClients } from '../aws/clients.js';
import { Pacer } from '../aws/pace.js';
import type { RetentionConfig } from '../config/types.js';
import { UserError } from '../core/errors.js';
import { type ApplyReport, applyPlan } from './apply.js';
import { AuditLog } from './audit.js';
import { describeError, type RetentionAws } from './context.js';
import { type Plan, type ScopeFailure, scopeKey } from './model.js';
import { normalizeRules } from './rules.js';
import { resolveScopes } from './scopes.js';
import { survey } from './survey.js';

export const DEFAULT_AUDIT_LOG = 'imagegate-prune.audit.jsonl';

/** Exit codes, also in docs/prune.md. */
export const PRUNE_EXIT = { ok: 0, actionFailed: 1, badInput: 2, incomplete: 3, interrupted: 130 } as const;

export interface PruneRequest {
  retention: RetentionConfig;
  /** Where the retention section came from, for error messages. */
  where: string;
  apply: boolean;
  accounts?: string[] | 'organization';
  regions?: string[] | 'enabled';
  role?: string;
  auditLog: string;
  maxDeletions?: number;
  concurrency?: number;
  progress: (line: string) => void;
  /** Aborting stops --apply between actions; what was done is in the audit log. */
  signal?: AbortSignal;
  /** Injected by tests; the default reads credentials and endpoints from the environment. */
  aws?: RetentionAws;
}

export interface PruneResult {
  plan: Plan;
  apply?: ApplyReport;
  awsCalls: number;
  exitCode: number;
}

/** Survey the scopes, plan retention, and (with `apply`) carry the plan out. */
export async function runPrune(req: PruneRequest): Promise<PruneResult> {
  const cfg = req.retention;
  const { rules, problems } = normalizeRules(cfg);
  if (problems.length > 0) {
    throw new UserError(
      `${req.where}: retention.${problems[0]} (fix the retention: section)`,
      PRUNE_EXIT.badInput,
    );
  }
  if (req.maxDeletions !== undefined) rules.maxDeletions = req.maxDeletions;

  const aws: RetentionAws = req.aws ?? { clients: new AwsClients(), caller: new PacedCaller(new Pacer()) };
  const concurrency = req.concurrency ?? cfg.concurrency ?? 8;
  const homeRegion = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const accounts = req.accounts ?? cfg.accounts;
  const regions = req.regions ?? cfg.regions;
  const role = req.role ?? cfg.role;
  let resolved: Awaited<ReturnType<typeof resolveScopes>>;
  try {
    resolved = await resolveScopes(aws, {
      homeRegion,
      concurrency,
      ...(accounts ? { accounts } : {}),
      ...(cfg.ou ? { ou: cfg.ou } : {}),
      ...(role ? { role } : {}),
      ...(regions ? { regions } : {}),
    });
  } catch (err) {
    throw new UserError(
      `cannot determine the accounts in scope: ${describeError(err)}; nothing was changed`,
      PRUNE_EXIT.incomplete,
    );
  }
  req.progress(
    `imagegate prune: ${resolved.scopes.length} account-regions, ${req.apply ? 'APPLY' : 'dry run'}`,
  );

  const ssmParameters = cfg.ssmParameters ?? [];
  const { input, plan } = await survey(aws, resolved, {
    rules,
    ssmParameters,
    concurrency,
    now: new Date(),
    progress: req.progress,
  });

  let applied: ApplyReport | undefined;
  if (req.apply) {
    const audit = new AuditLog(resolve(req.auditLog), randomUUID());
    try {
      applied = await applyPlan(aws, {
        input,
        decisions: plan.decisions,
        scopes: resolved.scopes,
        audit,
        ssmParameters,
        concurrency,
        progress: req.progress,
        ...(req.signal ? { signal: req.signal } : {}),
      });
    } finally {
      audit.close();
    }
  }
  const failed = applied
    ? [...applied.outcomes, ...applied.resumed].some((o) => o.status === 'failed')
    : false;
  // A source that failed only at --apply's re-check left its images skipped: the run is as
  // incomplete as if the survey had failed, and every report and the exit code must say so.
  const reported = applied ? withFailures(plan, applied.failures) : plan;
  const exitCode = req.signal?.aborted
    ? PRUNE_EXIT.interrupted
    : failed
      ? PRUNE_EXIT.actionFailed
      : reported.failures.length > 0
        ? PRUNE_EXIT.incomplete
        : PRUNE_EXIT.ok;
  return {
    plan: reported,
    ...(applied ? { apply: applied } : {}),
    awsCalls: aws.caller.total(),
    exitCode,
  };
}

/** The plan with later failures added (deduplicated, in the plan's order) and its count updated. */
export function withFailures(plan: Plan, more: ScopeFailure[]): Plan {
  if (more.length === 0) return plan;
  const key = (f: ScopeFailure) => `${scopeKey(f)}|${f.source}|${f.error}`;
  const all = new Map([...plan.failures, ...more].map((f) => [key(f), f]));
  const failures = [...all.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const incompleteScopes = new Set(failures.map(scopeKey)).size;
  return { ...plan, failures, summary: { ...plan.summary, incompleteScopes } };
}
