import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { type LoadedConfig, loadConfig } from '../config/load.js';
import { UserError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { VERSION } from '../core/version.js';
import { renderHtml } from '../report/compliance/html.js';
import { renderJson } from '../report/compliance/json.js';
import { renderJunit } from '../report/compliance/junit.js';
import { loadInputs } from '../report/compliance/load.js';
import { renderMarkdown } from '../report/compliance/markdown.js';
import { buildReportModel } from '../report/compliance/model.js';
import type { ReportModel } from '../report/compliance/types.js';
import { terminalOutput } from './output.js';

type Format = 'html' | 'markdown' | 'json' | 'junit';

const RENDERERS: Record<Format, (m: ReportModel) => string> = {
  html: renderHtml,
  markdown: renderMarkdown,
  json: renderJson,
  junit: renderJunit,
};

const DEFAULT_HTML_OUT = 'imagegate-report.html';
const BUILTIN_POLICIES = new URL('../../policies', import.meta.url).pathname;

interface ReportOpts {
  lint?: string[];
  promotions?: string[];
  prune?: string[];
  policies?: string[];
  format: Format;
  json?: boolean;
  out?: string;
  title: string;
  failOnFailure?: boolean;
  config?: string;
  quiet?: boolean;
}

// No default list: commander would print `(default: [])` in --help.
const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Reproducible output when SOURCE_DATE_EPOCH is set (reproducible-builds.org convention). */
function generatedAt(): string {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && /^\d+$/.test(epoch)) return new Date(Number(epoch) * 1000).toISOString();
  return new Date().toISOString();
}

interface ModelRequest {
  verdictPaths: string[];
  lintFiles: string[];
  promotionFiles: string[];
  pruneFiles: string[];
  policyDirs: string[];
  title: string;
}

/** Inputs → report model, the same way for `report` and for the reports `gate` writes. */
function complianceModel(loaded: LoadedConfig, r: ModelRequest): ReportModel {
  const policyDirs = [
    { dir: BUILTIN_POLICIES, explicit: false },
    ...(loaded.config.lint?.policyDirs ?? []).map((d) => ({ dir: resolve(loaded.dir, d), explicit: true })),
    ...r.policyDirs.map((d) => ({ dir: d, explicit: true })),
  ];
  const req = {
    verdictPaths: r.verdictPaths,
    lintFiles: r.lintFiles,
    promotionFiles: r.promotionFiles,
    pruneFiles: r.pruneFiles,
    policyDirs,
    controls: loaded.config.controls ?? {},
  };
  const inputs = loadInputs(loaded.file ? { ...req, configFile: loaded.file } : req);
  // A disabled policy never ran, so its silence is no evidence for the controls it names.
  const disabled = new Set(loaded.config.lint?.disable ?? []);
  inputs.policies = inputs.policies.filter((p) => !disabled.has(p.id));
  return buildReportModel(inputs, { title: r.title, generatedAt: generatedAt(), toolVersion: VERSION });
}

/** `gate`'s reports: HTML and Markdown side by side in `outDir`; returns their paths. */
export function writeComplianceReports(r: {
  verdictPaths: string[];
  lintFiles: string[];
  promotionFiles: string[];
  loaded: LoadedConfig;
  outDir: string;
  title: string;
}): string[] {
  const model = complianceModel(r.loaded, {
    verdictPaths: r.verdictPaths,
    lintFiles: r.lintFiles,
    promotionFiles: r.promotionFiles.filter((f) => existsSync(f)),
    pruneFiles: [],
    policyDirs: [],
    title: r.title,
  });
  const html = join(r.outDir, 'report.html');
  const markdown = join(r.outDir, 'report.md');
  writeFileAtomic(html, renderHtml(model));
  writeFileAtomic(markdown, renderMarkdown(model));
  return [html, markdown];
}

function run(verdictPaths: string[], opts: ReportOpts): void {
  const out = terminalOutput({ quiet: opts.quiet });
  const format: Format = opts.json ? 'json' : opts.format;
  const loaded = loadConfig(opts.config);
  const model = complianceModel(loaded, {
    verdictPaths,
    lintFiles: opts.lint ?? [],
    promotionFiles: opts.promotions ?? [],
    pruneFiles: opts.prune ?? [],
    policyDirs: opts.policies ?? [],
    title: opts.title,
  });
  const text = RENDERERS[format](model);

  const target = opts.out ?? (format === 'html' ? DEFAULT_HTML_OUT : undefined);
  if (target) {
    writeFileAtomic(target, text);
    out.result(target);
  } else process.stdout.write(text);

  for (const a of model.artifacts.filter((x) => !x.intact)) {
    process.stderr.write(`imagegate: TAMPERED: ${a.file}: contents do not match the recorded sha256\n`);
  }
  for (const n of model.notes) out.progress(`note: ${n}`);
  const s = model.summary;
  out.progress(
    `report: ${s.artifacts} artifact(s): ${s.passed} passed, ${s.failed} failed, ${s.tampered} tampered; ` +
      `controls ${s.controls.pass}/${s.controls.total} passing`,
  );
  if (s.tampered > 0 || (opts.failOnFailure && s.failed > 0)) process.exitCode = 1;
}

export function register(program: Command): void {
  program
    .command('report')
    .summary('compliance report from verdicts: html, markdown, json, junit')
    .description(
      'Compliance report over verdicts: identity, lint findings with rationale and remediation, ' +
        'suite results, promotion history, a control view and charts. Verifies every verdict sha256 ' +
        'and flags tampering. Directories are searched for *.verdict.json.',
    )
    .argument('<verdict...>', 'verdict files (*.verdict.json) or directories holding them')
    .addOption(
      new Option(
        '-f, --format <format>',
        'html (self-contained, printable), markdown (PR comments, job summaries), json or junit',
      )
        .choices(['html', 'markdown', 'json', 'junit'])
        .default('markdown'),
    )
    .option('--json', 'same as --format json')
    .option('-o, --out <file>', `write here instead of stdout (html defaults to ${DEFAULT_HTML_OUT})`)
    .option('--lint <file>', 'lint results from `imagegate lint --format json` (repeatable)', collect)
    .option('--promotions <file>', 'promotion records, JSON or JSONL (repeatable)', collect)
    .option('--prune <file>', 'prune plan or retention audit log, JSON or JSONL (repeatable)', collect)
    .option('--policies <dir>', 'more policy YAML files to describe findings with (repeatable)', collect)
    .option('--title <text>', 'report title', 'imagegate compliance report')
    .option('--fail-on-failure', 'exit 1 when any verdict failed (tampering always exits 1)')
    .option('-c, --config <file>', 'imagegate.yaml (for controls: and lint.policyDirs)')
    .option('-q, --quiet', 'no progress on stderr')
    .addHelpText(
      'after',
      `
Examples:
  imagegate report .imagegate/verdicts --format html --out report.html --lint lint.json
  imagegate report .imagegate/verdicts >> "$GITHUB_STEP_SUMMARY"
  imagegate report web.verdict.json --format junit --out report.xml --fail-on-failure

Exit codes: 0 report written, 1 a verdict was tampered with (or failed, with --fail-on-failure),
2 bad input (missing file, invalid JSON, not a verdict).`,
    )
    .action((verdicts: string[], opts: ReportOpts) => {
      if (verdicts.length === 0) throw new UserError('pass at least one verdict file or directory');
      run(verdicts, opts);
    });
}
