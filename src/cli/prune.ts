import { type Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config/load.js';
import { PRUNE_FORMATS, type PruneFormat, renderPrune } from '../report/prune/index.js';
import { DEFAULT_AUDIT_LOG, runPrune } from '../retention/run.js';
import { interruptSignal } from './interrupt.js';
import { concurrencyOption, configOption, quietOption } from './options.js';
import { terminalOutput } from './output.js';

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
  const interrupt = opts.apply ? interruptSignal() : undefined;
  try {
    const result = await runPrune({
      retention: loaded.config.retention ?? {},
      where: loaded.file ?? 'imagegate.yaml (defaults)',
      apply: Boolean(opts.apply),
      ...(opts.accounts ? { accounts: opts.accounts } : {}),
      ...(opts.regions ? { regions: opts.regions } : {}),
      ...(opts.role ? { role: opts.role } : {}),
      auditLog: opts.auditLog,
      ...(opts.maxDeletions !== undefined ? { maxDeletions: opts.maxDeletions } : {}),
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      progress: (l) => out.progress(l),
      ...(interrupt ? { signal: interrupt.signal } : {}),
    });
    out.result(
      renderPrune(
        { plan: result.plan, dryRun: !opts.apply, ...(result.apply ? { apply: result.apply } : {}) },
        format,
      ),
    );
    out.progress(`${result.awsCalls} AWS calls`);
    if (result.exitCode !== 0) process.exitCode = result.exitCode;
  } finally {
    interrupt?.dispose();
  }
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
        'SSM parameters, Spot requests and fleets, Batch, Image Builder recipes, shares outside the scope). ' +
        'Dry run by default; --apply carries the plan out: ' +
        'deprecate → disable → deregister (and delete unused snapshots), each step in an audit log.',
    )
    .option('--apply', 'carry out the plan (re-checks usage right before each batch of actions)')
    .addOption(new Option('--format <format>', 'output format').choices(PRUNE_FORMATS).default('table'))
    .option('--json', 'shorthand for --format json')
    .addOption(configOption('imagegate.yaml to read retention: from'))
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
    .addOption(concurrencyOption('account-regions surveyed at once (default: retention.concurrency or 8)'))
    .addOption(quietOption())
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
