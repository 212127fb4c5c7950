import { type Command, Option } from 'commander';
import { loadConfig } from '../config/load.js';
import { UserError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { type ComplianceFormat, complianceModel, RENDERERS } from '../report/write.js';
import { collect, configOption, quietOption } from './options.js';
import { terminalOutput } from './output.js';

type Format = ComplianceFormat;

const DEFAULT_HTML_OUT = 'imagegate-report.html';

interface ReportOpts {
  lint?: string[];
  promotions?: string[];
  prune?: string[];
  policies?: string[];
  drift?: string[];
  format: Format;
  json?: boolean;
  out?: string;
  title: string;
  failOnFailure?: boolean;
  config?: string;
  quiet?: boolean;
}

async function run(verdictPaths: string[], opts: ReportOpts): Promise<void> {
  const out = terminalOutput({ quiet: opts.quiet });
  const format: Format = opts.json ? 'json' : opts.format;
  const loaded = loadConfig(opts.config);
  const model = await complianceModel(loaded, {
    verdictPaths,
    lintFiles: opts.lint ?? [],
    promotionFiles: opts.promotions ?? [],
    pruneFiles: opts.prune ?? [],
    policyDirs: opts.policies ?? [],
    title: opts.title,
    ...(opts.drift ? { driftFiles: opts.drift } : {}),
  });
  const text = RENDERERS[format](model);

  const target = opts.out ?? (format === 'html' ? DEFAULT_HTML_OUT : undefined);
  if (target) {
    writeFileAtomic(target, text);
    out.result(target);
  } else process.stdout.write(text);

  for (const a of model.artifacts.filter((x) => !x.intact)) {
    process.stderr.write(`imagegate: TAMPERED: ${a.file}: ${a.evidence.reason ?? 'not verified'}\n`);
  }
  // Without a configuration there is no key to trust, so every verdict fails verification:
  // say so once, rather than leave a genuine verdict looking forged.
  if (!loaded.file && model.artifacts.some((x) => !x.intact))
    process.stderr.write(
      'imagegate: no imagegate.yaml here, so no stage trusts any key: run from the repository or pass --config FILE\n',
    );
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
    .option(
      '--drift <file>',
      'fleet section (hosts × drift) from `imagegate drift --format json` (repeatable)',
      collect,
    )
    .option('--policies <dir>', 'more policy YAML files to describe findings with (repeatable)', collect)
    .option('--title <text>', 'report title', 'imagegate compliance report')
    .option('--fail-on-failure', 'exit 1 when any verdict failed (tampering always exits 1)')
    .addOption(configOption('imagegate.yaml (for controls: and lint.policyDirs)'))
    .addOption(quietOption())
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
      return run(verdicts, opts);
    });
}
