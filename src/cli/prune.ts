import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { PacedCaller } from '../aws/call.js';
import { AwsClients } from '../aws/clients.js';
import { Pacer } from '../aws/pace.js';
import { loadConfig } from '../config/load.js';
import type { RetentionConfig } from '../config/types.js';
import { UserError } from '../core/errors.js';
import { PRUNE_FORMATS, type PruneFormat, renderPrune } from '../report/prune/index.js';
import { type ApplyReport, applyPlan } from '../retention/apply.js';
import { AuditLog } from '../retention/audit.js';
import type { RetentionAws } from '../retention/context.js';
import { describeError } from '../retention/context.js';
import { normalizeRules } from '../retention/rules.js';
import { resolveScopes } from '../retention/scopes.js';
import { survey } from '../retention/survey.js';
import { interruptSignal } from './interrupt.js';
import { terminalOutput } from './output.js';

export const DEFAULT_AUDIT_LOG = 'imagegate-prune.audit.jsonl';

/** Exit codes, also in docs/prune.md. */
const EXIT = { ok: 0, actionFailed: 1, badInput: 2, incomplete: 3, interrupted: 130 } as const;

interface PruneOpts {
  apply?: boolean;
  json?: boolean;
  format: PruneFormat;
  config?: string;
  accounts?: string[] | 'organization';
  regions?: string[] | 'enabled';
  role?: string;
  auditLog: string;
  maxDeletions?: number;
  concurrency?: number;
  quiet?: boolean;
}

async function run(opts: PruneOpts): Promise<void> {
  const format: PruneFormat = opts.json ? 'json' : opts.format;
  const out = terminalOutput({ quiet: Boolean(opts.quiet) });
  const loaded = loadConfig(opts.config);
  const cfg: RetentionConfig = loaded.config.retention ?? {};
  const where = loaded.file ?? 'imagegate.yaml (defaults)';
  const { rules, problems } = normalizeRules(cfg);
  if (problems.length > 0) {
    throw new UserError(`${where}: retention.${problems[0]} (fix the retention: section)`, EXIT.badInput);
  }
  if (opts.maxDeletions !== undefined) rules.maxDeletions = opts.maxDeletions;

  const aws: RetentionAws = { clients: new AwsClients(), caller: new PacedCaller(new Pacer()) };
  const concurrency = opts.concurrency ?? cfg.concurrency ?? 8;
  const homeRegion = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const accounts = opts.accounts ?? cfg.accounts;
  const regions = opts.regions ?? cfg.regions;
  const role = opts.role ?? cfg.role;
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
      EXIT.incomplete,
    );
  }
  out.progress(
    `imagegate prune: ${resolved.scopes.length} account-regions, ${opts.apply ? 'APPLY' : 'dry run'}`,
  );

  const ssmParameters = cfg.ssmParameters ?? [];
  const { input, plan } = await survey(aws, resolved, {
    rules,
    ssmParameters,
    concurrency,
    now: new Date(),
    progress: (l) => out.progress(l),
  });

  let applied: ApplyReport | undefined;
  let interrupted = false;
  if (opts.apply) {
    const audit = new AuditLog(resolve(opts.auditLog), randomUUID());
    const interrupt = interruptSignal();
    try {
      applied = await applyPlan(aws, {
        input,
        decisions: plan.decisions,
        scopes: resolved.scopes,
        audit,
        ssmParameters,
        concurrency,
        progress: (l) => out.progress(l),
        signal: interrupt.signal,
      });
    } finally {
      interrupted = interrupt.received() !== undefined;
      interrupt.dispose();
      audit.close();
    }
  }
  out.result(renderPrune({ plan, dryRun: !opts.apply, ...(applied ? { apply: applied } : {}) }, format));
  out.progress(`${aws.caller.total()} AWS calls`);

  const failed = applied
    ? [...applied.outcomes, ...applied.resumed].some((o) => o.status === 'failed')
    : false;
  if (interrupted) process.exitCode = EXIT.interrupted;
  else if (failed) process.exitCode = EXIT.actionFailed;
  else if (plan.failures.length > 0) process.exitCode = EXIT.incomplete;
}

const positiveInt = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${what} must be a whole number ≥ 0`);
  return n;
};

const accountList = (v: string): string[] | 'organization' => {
  if (v === 'organization') return v;
  const ids = v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = ids.find((id) => !/^\d{12}$/.test(id));
  if (bad !== undefined)
    throw new InvalidArgumentError(`"${bad}" is not a 12-digit account id (or use "organization")`);
  return ids;
};

const regionList = (v: string): string[] | 'enabled' =>
  v === 'enabled'
    ? v
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

export function register(program: Command): void {
  program
    .command('prune')
    .summary('retire old AMIs by retention rules (dry run unless --apply)')
    .description(
      'Retire old AMIs by the retention: rules of imagegate.yaml, across accounts and regions, never ' +
        'touching an image in use (instances in any state, every launch template version, Auto Scaling, ' +
        'SSM parameters, shares outside the scope). Dry run by default; --apply carries the plan out: ' +
        'deprecate → disable → deregister (and delete unused snapshots), each step in an audit log.',
    )
    .option('--apply', 'carry out the plan (re-checks usage right before each batch of actions)')
    .addOption(new Option('--format <format>', 'output format').choices(PRUNE_FORMATS).default('table'))
    .option('--json', 'shorthand for --format json')
    .option('--config <file>', 'imagegate.yaml to read retention: from')
    .option(
      '--accounts <ids>',
      'comma-separated account ids, or "organization" (overrides retention.accounts)',
      accountList,
    )
    .option(
      '--regions <names>',
      'comma-separated regions, or "enabled" (overrides retention.regions)',
      regionList,
    )
    .option('--role <pattern>', 'role to assume per account, {account} replaced (overrides retention.role)')
    .option('--audit-log <file>', 'append-only JSONL audit log for --apply', DEFAULT_AUDIT_LOG)
    .option(
      '--max-deletions <n>',
      'deregister at most N images this run (overrides retention.maxDeletions)',
      positiveInt('--max-deletions'),
    )
    .option('--concurrency <n>', 'account-regions surveyed at once (default 8)', positiveInt('--concurrency'))
    .option('--quiet', 'no progress on stderr')
    .addHelpText(
      'after',
      `
Examples:
  imagegate prune                                   # dry run: what would happen, and why
  imagegate prune --accounts organization --regions enabled --format markdown > plan.md
  imagegate prune --apply --max-deletions 20 --audit-log /var/log/imagegate/prune.jsonl

Fail closed: when any usage source of an account-region cannot be listed completely
(AccessDenied, throttled out, unreachable account), nothing there is retired and the
report says why.

Exit codes: 0 done, 1 an action failed (re-run to continue), 2 bad input,
3 some account-regions could not be listed (nothing retired there), 130 interrupted
(re-run to continue). See docs/prune.md.`,
    )
    .action(run);
}
