import { basename } from 'node:path';
import type { LintConfig } from '../config/types.js';
import { discoverTemplates } from '../template/discover.js';
import { loadTemplateUnits } from '../template/load.js';
import type { Position, Template } from '../template/model.js';
import { lintTemplate, sortFindings } from './engine.js';
import { LintInputError } from './errors.js';
import { type LoadedPolicy, loadPolicySet } from './policies.js';
import { atOrAbove, type Finding, type Severity, SYNTAX } from './types.js';

export interface LintOptions {
  /** Extra policy directories (`--policy-dir`), after `config.policyDirs`. */
  policyDirs?: string[];
  /** The `lint` section of imagegate.yaml (policyDirs already resolved to paths). */
  config?: LintConfig;
  /** Where the config came from, for error messages. */
  configFile?: string;
  /** Overrides `config.failOn`; default `error`. */
  failOn?: Severity;
  /** Leave out the built-in policies. */
  builtin?: boolean;
  /** Reuse an already loaded policy set (gate lints several images with one). */
  policies?: LoadedPolicy[];
  /** Leave out discovered templates (file or folder path) for which this says true. */
  exclude?: (templatePath: string) => boolean;
  /**
   * The directory Packer runs in, against which it resolves relative script paths
   * (`--packer-dir`); overrides `config.packerDir`. Unset: lint looks where it could be.
   */
  packerDir?: string;
  /**
   * Keep each template's whole model in the run (default). False keeps only what a report
   * renders (`LintedTemplate`): a model dropped once linted is garbage the young-generation GC
   * frees cheaply, where 1,000 kept models are copied and marked again and again.
   */
  keepModels?: boolean;
}

/** What a report needs of a linted template: where it came from, its files and their text. */
export type LintedTemplate = Pick<Template, 'format' | 'path' | 'files' | 'text' | 'note'>;

export interface LintSummary {
  templates: number;
  policies: number;
  findings: number;
  errors: number;
  warnings: number;
  infos: number;
  suppressed: number;
  syntaxErrors: number;
  failOn: Severity;
  /** 0 clean, 1 findings at/above failOn, 2 bad input (syntax errors). */
  exitCode: 0 | 1 | 2;
}

export interface LintRun<T extends LintedTemplate = Template> {
  findings: Finding[];
  summary: LintSummary;
  templates: T[];
  policies: LoadedPolicy[];
  /** Per template path: ids of policies with nothing to judge there (see TemplateResult). */
  notApplicable: Record<string, string[]>;
  /** How lint read what it was given, when that is not obvious (a folder linted file by file). */
  notes: string[];
}

/**
 * Lint templates under `paths` (directories are searched, files linted alone). Bad input that
 * stops the run (unreadable path, no templates, invalid policy) throws `LintInputError`;
 * syntax errors are findings and make `summary.exitCode` 2.
 */
export function lintPaths(
  paths: string[],
  options: LintOptions & { keepModels: false },
): Promise<LintRun<LintedTemplate>>;
export function lintPaths(paths: string[], options?: LintOptions): Promise<LintRun>;
export async function lintPaths(
  paths: string[],
  options: LintOptions = {},
): Promise<LintRun<LintedTemplate>> {
  const config = options.config ?? {};
  const policies =
    options.policies ??
    (await loadPolicySet({
      dirs: [...(config.policyDirs ?? []), ...(options.policyDirs ?? [])],
      config,
      configFile: options.configFile,
      builtin: options.builtin,
    }));
  const targets = await asInputError(() => discoverTemplates(paths.length > 0 ? paths : ['.']));
  if (targets.length === 0) {
    throw new LintInputError(
      `${paths.join(' ') || '.'}: no Packer templates found (*.pkr.hcl directories or legacy *.json)`,
    );
  }
  const kept = options.exclude ? targets.filter((t) => !options.exclude?.(t)) : targets;
  const packerDir = options.packerDir ?? config.packerDir;
  const roots = [process.cwd(), ...paths];
  const engine = { severity: config.severity ?? {}, disabled: new Set(config.disable ?? []) };
  const keep = options.keepModels !== false;
  const templates: LintedTemplate[] = [];
  const all: { finding: Finding; where: readonly string[] }[] = [];
  let suppressed = 0;
  const notApplicable: Record<string, string[]> = {};
  // Each template is linted as soon as it is read, so its parse garbage dies young.
  for (const path of kept) {
    for (const template of await asInputError(() => loadTemplateUnits(path, { packerDir, roots }))) {
      const result = lintTemplate(template, policies, engine);
      for (const finding of result.findings) all.push({ finding, where: buildsAt(template, finding) });
      suppressed += result.suppressed.length;
      notApplicable[template.path] = result.notApplicable;
      templates.push(keep ? template : linted(template));
    }
  }
  const findings = reportOnce(all);
  const failOn = options.failOn ?? config.failOn ?? 'error';
  return {
    findings: sortFindings(findings),
    summary: summarize(findings, {
      templates: templates.length,
      policies: policies.length,
      suppressed,
      failOn,
    }),
    templates,
    policies,
    notApplicable,
    notes: [...new Set(templates.flatMap((t) => (t.note === undefined ? [] : [t.note])))],
  };
}

function linted(t: Template): LintedTemplate {
  return { format: t.format, path: t.path, files: t.files, text: t.text, note: t.note };
}

/**
 * One finding per place and message. A script line shared by several builds (or by several
 * file-per-template templates) is one thing to fix: it is reported once, naming where it runs.
 */
export function reportOnce(all: readonly { finding: Finding; where: readonly string[] }[]): Finding[] {
  const groups = new Map<string, { finding: Finding; where: Set<string> }>();
  for (const { finding, where: labels } of all) {
    const f = finding;
    const key = [f.policy, f.file, f.line, f.column, f.endLine, f.endColumn, f.message].join('\0');
    let group = groups.get(key);
    if (group === undefined) {
      group = { finding, where: new Set() };
      groups.set(key, group);
    }
    for (const label of labels) group.where.add(label);
  }
  return [...groups.values()].map(({ finding, where }) => {
    if (where.size < 2) return finding;
    const names = [...where];
    const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')}, …` : names.join(', ');
    return { ...finding, message: `${finding.message} [runs in ${names.length} builds: ${shown}]` };
  });
}

/** Per template: `file:line:column` of each shell command → the builds that run it. */
const buildIndex = new WeakMap<Template, Map<string, string[]>>();

/** The builds whose shell runs the command at this place (scripts are shared between builds). */
function buildsAt(template: Template, at: Pick<Position, 'file' | 'line' | 'column'>): string[] {
  let index = buildIndex.get(template);
  if (index === undefined) {
    index = new Map();
    const buildOf = new Map<unknown, string>();
    for (const build of template.builds) {
      const label = build.name ?? `${basename(build.pos.file)}:${build.pos.line}`;
      for (const prov of build.provisioners) buildOf.set(prov, label);
    }
    for (const cmd of template.shell) {
      const label = buildOf.get(cmd.origin.provisioner);
      if (label === undefined) continue;
      const key = `${cmd.pos.file}:${cmd.pos.line}:${cmd.pos.column}`;
      const labels = index.get(key) ?? [];
      if (!labels.includes(label)) labels.push(label);
      index.set(key, labels);
    }
    buildIndex.set(template, index);
  }
  return index.get(`${at.file}:${at.line}:${at.column}`) ?? [];
}

export function summarize(
  findings: readonly Finding[],
  ctx: { templates: number; policies: number; suppressed: number; failOn: Severity },
): LintSummary {
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  const syntaxErrors = findings.filter((f) => f.policy === SYNTAX).length;
  const failing = findings.some((f) => atOrAbove(f.severity, ctx.failOn));
  return {
    templates: ctx.templates,
    policies: ctx.policies,
    findings: findings.length,
    errors: count('error'),
    warnings: count('warning'),
    infos: count('info'),
    suppressed: ctx.suppressed,
    syntaxErrors,
    failOn: ctx.failOn,
    exitCode: syntaxErrors > 0 ? 2 : failing ? 1 : 0,
  };
}

/** The template reader reports unreadable input with an exit code; lint reports it as its own. */
async function asInputError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error && 'exitCode' in err && !(err instanceof LintInputError)) {
      throw new LintInputError(err.message);
    }
    throw err;
  }
}
