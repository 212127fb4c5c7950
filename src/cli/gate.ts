import { resolve } from 'node:path';
import type { Command } from 'commander';
import { imageEntries, selectImages } from '../config/images.js';
import { loadConfig } from '../config/load.js';
import type { Severity } from '../config/types.js';
import { UserError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { failureLines, type GateSummary, summaryTable } from '../gate/outcome.js';
import { defaultGateDeps, runGate } from '../gate/pipeline.js';
import { changedImageNames } from '../gate/select.js';
import { interruptSignal } from './interrupt.js';
import {
  concurrencyOption,
  configOption,
  failOnOption,
  insecureHostKeyOption,
  knownHostsOption,
  quietOption,
  runIdOption,
} from './options.js';
import { paint, terminalOutput } from './output.js';
import { makeProgress, outputLine } from './progress.js';

interface GateOptions {
  config: string;
  changedSince?: string;
  concurrency: number;
  out: string;
  failOn?: Severity;
  promote: boolean;
  runId?: string;
  knownHosts?: string;
  insecureIgnoreHostKey?: boolean;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

async function run(names: string[], opts: GateOptions): Promise<number> {
  const out = terminalOutput({ quiet: Boolean(opts.quiet || opts.json) });
  const verbose = Boolean(opts.verbose && !opts.quiet);
  const loaded = loadConfig(opts.config);
  let images = selectImages(imageEntries(loaded), names, loaded.file);
  if (opts.changedSince) {
    const chosen = new Set(await changedImageNames(loaded, images, opts.changedSince));
    images = images.filter((i) => chosen.has(i.name));
  }
  const deps = await defaultGateDeps(loaded, {
    ...(opts.knownHosts ? { knownHosts: opts.knownHosts } : {}),
    ...(opts.insecureIgnoreHostKey ? { insecureIgnoreHostKey: true } : {}),
  });
  const interrupt = interruptSignal();
  let summary: GateSummary;
  try {
    summary = await runGate(
      {
        loaded,
        images,
        concurrency: opts.concurrency,
        outDir: resolve(opts.out),
        ...(opts.failOn ? { failOn: opts.failOn } : {}),
        promote: opts.promote,
        ...(opts.runId ? { runId: opts.runId } : {}),
        progress: makeProgress(process.stderr, { quiet: Boolean(opts.quiet), plain: verbose }),
        ...(verbose
          ? { buildOutput: (image, build, text) => process.stderr.write(outputLine(image, build, text)) }
          : {}),
        signal: interrupt.signal,
        toolVersion: VERSION,
        notice: (m) => process.stderr.write(`imagegate: ${m}\n`),
      },
      deps,
    );
  } catch (err) {
    const sig = interrupt.received();
    if (sig)
      throw new UserError(
        `interrupted by ${sig}: test targets torn down, Packer stopped`,
        sig === 'SIGINT' ? 130 : 143,
      );
    throw err;
  } finally {
    interrupt.dispose();
  }

  const outcomes = summary.images;
  const built = outcomes.filter((o) => !o.lintOnly);
  const lintOnly = outcomes.filter((o) => o.lintOnly);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else if (outcomes.length === 0) {
    out.result(`no image changed since ${opts.changedSince}: nothing to gate`);
  } else {
    if (built.length === 0 && opts.changedSince)
      out.result(`no image changed since ${opts.changedSince}: nothing built`);
    out.result(summaryTable(summary));
    for (const line of failureLines(summary)) out.result(paint(out.color, 'red', line));
    const lintNote = lintOnly.length
      ? `; ${lintOnly.filter((o) => o.passed).length}/${lintOnly.length} template(s) no image builds passed lint`
      : '';
    out.result(
      `\n${summary.passed ? paint(out.color, 'green', 'GATE PASSED') : paint(out.color, 'red', 'GATE FAILED')}: ` +
        `${built.filter((o) => o.passed).length}/${built.length} image(s) passed${lintNote}`,
    );
    out.result(`verdicts: ${summary.verdictDir}`);
    for (const r of summary.reports) out.result(`report:   ${r}`);
  }
  return outcomes.length === 0 || summary.passed ? 0 : 1;
}

export function register(program: Command): void {
  program
    .command('gate')
    .summary('lint → build → test → promote, one verdict per artifact')
    .description(
      'The pre-promotion gate: for each image (all in imagegate.yaml, the named ones, or those changed ' +
        'since a git ref) lint its template and stop on findings at or above --fail-on, build it with ' +
        'Packer, boot every artifact and run its suites, write a signed verdict, and promote what passed ' +
        'to the first stage in `stages:`. Ends with a summary table and a compliance report (HTML and Markdown).',
    )
    .argument('[image...]', 'images to gate (default: all)')
    .addOption(configOption('configuration file', true))
    .option('--changed-since <ref>', 'only images whose inputs changed since this git ref')
    .addOption(concurrencyOption('images gated at once', 2))
    .option(
      '--out <dir>',
      'verdicts/, logs/, lint.json, promotions.jsonl and the reports go here',
      '.imagegate',
    )
    .addOption(
      failOnOption('lint threshold that stops an image before it is built (default: lint.failOn or error)'),
    )
    .option('--no-promote', 'test only: record the promotion as pending')
    .addOption(runIdOption())
    .addOption(knownHostsOption())
    .addOption(insecureHostKeyOption())
    .option('--json', 'print the summary as JSON on stdout')
    .option(
      '-v, --verbose',
      "stream each line Packer's provisioners print (apt, scripts) to stderr as it comes",
    )
    .addOption(quietOption())
    .addHelpText(
      'after',
      `
Examples:
  imagegate gate --config examples/imagegate.yaml      # every image of the example monorepo
  imagegate gate web --no-promote                      # one image, test only
  imagegate gate --changed-since origin/main --json    # CI: only what changed

Exit codes: 0 every selected image passed (and was promoted where a stage is configured),
1 an image failed lint, build, test or promotion, 2 bad input, 130/143 interrupted.`,
    )
    .action(async (names: string[], opts: GateOptions) => {
      process.exitCode = await run(names, opts);
    });
}
