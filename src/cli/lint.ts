import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import type { Severity } from '../config/types.js';
import { UserError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { collect, configOption, failOnOption, quietOption } from './options.js';
import { terminalOutput } from './output.js';

interface LintCliOptions {
  format: 'text' | 'json' | 'sarif' | 'junit' | 'github' | 'gitlab';
  failOn?: Severity;
  policyDir: string[];
  config?: string;
  quiet?: boolean;
  listPolicies?: boolean;
  packerDir?: string;
}

export function register(program: Command): void {
  program
    .command('lint')
    .summary('lint Packer templates against policies (HCL2 and legacy JSON)')
    .description(
      'Lint Packer templates (HCL2 and legacy JSON) against policies: the footguns `packer validate` ' +
        'does not catch (unpinned packages, curl | sh, secrets, missing cleanup, open SSH, …).',
    )
    .argument('[paths...]', 'template directories or files; directories are searched', ['.'])
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['text', 'json', 'sarif', 'junit', 'github', 'gitlab'])
        .default('text'),
    )
    .addOption(
      failOnOption('exit 1 when a finding is at or above this severity (default: lint.failOn or error)'),
    )
    .option(
      '--policy-dir <dir>',
      'extra directory of policy YAML files (repeatable; adds to lint.policyDirs)',
      collect,
      [] as string[],
    )
    .addOption(configOption('imagegate.yaml to read lint settings from (default: ./imagegate.yaml)'))
    .option(
      '--packer-dir <dir>',
      'directory Packer runs in: relative script paths resolve against it (default: lint.packerDir, else searched)',
    )
    .addOption(quietOption('print findings only, no summary line'))
    .option('--list-policies', 'list the policies that would run (id, severity, title) and exit')
    .addHelpText(
      'after',
      `
Examples:
  imagegate lint packer/                          # every template under packer/
  imagegate lint --fail-on warning web.pkr.hcl
  imagegate lint --format sarif . > lint.sarif     # for code scanning
  imagegate lint --format gitlab . > gl-code-quality.json   # GitLab Code Quality
  imagegate lint --policy-dir ./policies-local --list-policies

Suppress one finding with a reason, on its line or the line above:
  # imagegate:ignore package-unpinned -- security updates must be latest

Exit codes: 0 nothing at/above --fail-on, 1 findings at/above it,
            2 bad input (syntax errors, unreadable paths, invalid policies or config).
Policies and their rationale: docs/policies.md`,
    )
    .action(async (paths: string[], opts: LintCliOptions) => {
      process.exitCode = await runLint(paths, opts);
    });
}

async function runLint(paths: string[], opts: LintCliOptions): Promise<number> {
  // Loaded here, not at the top: other commands should not pay for the parser and policies.
  const [{ lintPaths }, { loadPolicySet }, { LintInputError }] = await Promise.all([
    import('../lint/run.js'),
    import('../lint/policies.js'),
    import('../lint/errors.js'),
  ]);
  const out = terminalOutput({ quiet: opts.quiet });
  const loaded = await readConfig(opts.config);
  const config = {
    ...loaded.config.lint,
    policyDirs: (loaded.config.lint?.policyDirs ?? []).map((d) => resolve(loaded.dir, d)),
    packerDir:
      loaded.config.lint?.packerDir === undefined
        ? undefined
        : resolve(loaded.dir, loaded.config.lint.packerDir),
  };
  const configFile = loaded.file ?? DEFAULT_CONFIG;
  try {
    const policies = await loadPolicySet({
      dirs: [...config.policyDirs, ...opts.policyDir],
      config,
      configFile,
    });
    if (opts.listPolicies) {
      out.result(listPolicies(policies, opts.format));
      return 0;
    }
    const run = await lintPaths(paths, {
      config,
      configFile,
      failOn: opts.failOn,
      policies,
      packerDir: opts.packerDir === undefined ? undefined : resolve(opts.packerDir),
      keepModels: false,
    });
    const text = await render(run, opts, out.color);
    if (text !== '') out.result(text);
    return run.summary.exitCode;
  } catch (err) {
    if (err instanceof LintInputError) throw new UserError(err.message, err.exitCode);
    throw err;
  }
}

/** Same default as src/config/load.ts; checked here so a run without config skips YAML and ajv. */
const DEFAULT_CONFIG = 'imagegate.yaml';

async function readConfig(path: string | undefined): Promise<import('../config/load.js').LoadedConfig> {
  if (path === undefined && !existsSync(DEFAULT_CONFIG)) return { dir: process.cwd(), config: {} };
  return (await import('../config/load.js')).loadConfig(path);
}

async function render(
  run: import('../report/lint/report.js').LintReport,
  opts: LintCliOptions,
  color: boolean,
): Promise<string> {
  switch (opts.format) {
    case 'json':
      return (await import('../report/lint/json.js')).formatJson(run);
    case 'sarif':
      return (await import('../report/lint/sarif.js')).formatSarif(run, { version: VERSION });
    case 'junit':
      return (await import('../report/lint/junit.js')).formatJunit(run);
    case 'github':
      return (await import('../report/lint/github.js')).formatGithub(run);
    case 'gitlab':
      return (await import('../report/lint/gitlab.js')).formatGitlab(run);
    default:
      return (await import('../report/lint/text.js')).formatText(run, {
        color,
        frames: Boolean(process.stdout.isTTY),
        quiet: Boolean(opts.quiet),
      });
  }
}

function listPolicies(
  policies: import('../lint/policies.js').LoadedPolicy[],
  format: LintCliOptions['format'],
): string {
  if (format === 'json') {
    return JSON.stringify(
      policies.map((p) => ({ id: p.id, severity: p.severity, title: p.title, file: p.file })),
      null,
      2,
    );
  }
  const width = Math.max(...policies.map((p) => p.id.length), 2);
  return policies.map((p) => `${p.id.padEnd(width)}  ${p.severity.padEnd(7)}  ${p.title}`).join('\n');
}
