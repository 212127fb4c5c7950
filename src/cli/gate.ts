import { createHash } from 'node:crypto';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { type ImageEntry, imageEntries, selectImages } from '../config/images.js';
import { type LoadedConfig, loadConfig } from '../config/load.js';
import type { Severity } from '../config/types.js';
import { durationSeconds } from '../core/duration.js';
import { UserError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { mapLimit } from '../core/pool.js';
import { VERSION } from '../core/version.js';
import { sealVerdict, writeVerdict } from '../evidence/seal.js';
import type { ArtifactRef, Verdict } from '../evidence/verdict.js';
import {
  type ArtifactOutcome,
  failureLines,
  type GateSummary,
  type ImageOutcome,
  summaryTable,
} from '../gate/outcome.js';
import { changedImageNames } from '../gate/select.js';
import { testArtifact } from '../gate/test-artifact.js';
import { loadPolicySet } from '../lint/policies.js';
import { type LintRun, lintPaths } from '../lint/run.js';
import { findPacker, type PackerInfo } from '../packer/packer.js';
import { buildImage, describeEvent } from '../packer/run.js';
import { makeStamp, type Stamp } from '../packer/stamp.js';
import { formatJson } from '../report/lint/json.js';
import { writeComplianceReports } from '../report/write.js';
import type { Suite } from '../suite/model.js';
import { DEFAULT_TTL_SECONDS, newRunId } from '../targets/labels.js';
import { makeTarget } from '../targets/make-target.js';
import type { Template } from '../template/model.js';
import { interruptSignal } from './interrupt.js';
import { paint, terminalOutput } from './output.js';
import { makeProgress, type Progress } from './progress.js';
import { ec2TargetFactory, KNOWN_HOSTS_OPTION, loadReadiness, loadSuiteForTest } from './test.js';

interface GateOptions {
  config?: string;
  changedSince?: string;
  concurrency: string;
  out: string;
  failOn?: Severity;
  promote: boolean;
  runId?: string;
  knownHosts?: string;
  json?: boolean;
  quiet?: boolean;
}

interface GateContext {
  loaded: LoadedConfig;
  packer: PackerInfo;
  out: string;
  stamp: Stamp;
  failOn?: Severity;
  promote: boolean;
  progress: Progress;
  signal: AbortSignal;
  policies: Awaited<ReturnType<typeof loadPolicySet>>;
  lintRuns: LintRun[];
  /** `--known-hosts`: what an EC2 bastion is verified against. */
  knownHosts?: string;
}

/** sha256 over the template's files in a stable order: "which template exactly" for the verdict. */
function templateDigest(t: Template): string {
  const h = createHash('sha256');
  for (const f of [...t.files].sort())
    h.update(f)
      .update('\0')
      .update(t.text[f] ?? '')
      .update('\0');
  return h.digest('hex');
}

async function lintImage(img: ImageEntry, ctx: GateContext): Promise<LintRun> {
  const lint = ctx.loaded.config.lint ?? {};
  const run = await lintPaths([img.template], {
    config: { ...lint, policyDirs: [] },
    policies: ctx.policies,
    ...(ctx.loaded.file ? { configFile: ctx.loaded.file } : {}),
    ...(ctx.failOn ? { failOn: ctx.failOn } : {}),
  });
  ctx.lintRuns.push(run);
  return run;
}

async function imageSuites(img: ImageEntry): Promise<Suite[]> {
  if (img.suites.length === 0) {
    throw new UserError(`image ${img.name}: no suites configured: an untested image cannot pass the gate`);
  }
  const suites: Suite[] = [];
  // Named relative to the working directory, as `imagegate test` does: evidence must not carry
  // one machine's absolute paths.
  for (const s of img.suites) {
    const name = s.startsWith('builtin:') ? s : relative(process.cwd(), s);
    suites.push(await loadSuiteForTest(name, img.suiteVars, undefined));
  }
  return suites;
}

/** `test.ttl` from imagegate.yaml (validated by the schema), else the default lifetime label. */
function ttlSecondsOf(img: ImageEntry): number {
  const parsed = img.test.ttl === undefined ? undefined : durationSeconds(img.test.ttl);
  return Math.ceil(parsed ?? DEFAULT_TTL_SECONDS);
}

/** The first stage of the ladder that can take this kind of artifact. */
function firstStage(loaded: LoadedConfig): string | undefined {
  return Object.keys(loaded.config.stages ?? {})[0];
}

async function testOne(
  img: ImageEntry,
  artifact: ArtifactRef,
  suites: Suite[],
  lint: LintRun,
  template: Template | undefined,
  ctx: GateContext,
): Promise<ArtifactOutcome> {
  const key = `${img.name} ${artifact.builder ?? artifact.id.slice(0, 19)}`;
  const readinessConfig = artifact.kind === 'ami' ? img.test.ec2?.readiness : img.test.docker?.readiness;
  const readiness = readinessConfig
    ? await loadReadiness(readinessConfig, ctx.loaded.dir, img.suiteVars, undefined)
    : undefined;
  const mark = { runId: ctx.stamp.runId, ttlSeconds: ttlSecondsOf(img) };
  const target = makeTarget(artifact, {
    mark,
    settings: img.test,
    ...(artifact.kind === 'ami'
      ? { ec2: await ec2TargetFactory(img.test, ctx.loaded.dir, mark, ctx.knownHosts) }
      : {}),
  });
  const outcome = await testArtifact({
    artifact,
    suites,
    target,
    ...(readiness ? { readiness } : {}),
    image: img.name,
    signal: ctx.signal,
    progress: (m) => ctx.progress.update(key, 'testing', m),
    toolVersion: VERSION,
    repoDir: ctx.loaded.dir,
    git: { sha: ctx.stamp.gitSha, dirty: ctx.stamp.gitDirty },
  });
  const stage = firstStage(ctx.loaded);
  const body: Omit<Verdict, 'sha256'> = {
    ...outcome.verdict,
    lint: {
      errors: lint.summary.errors,
      warnings: lint.summary.warnings,
      infos: lint.summary.infos,
      findings: lint.findings,
      ...(template ? { notApplicable: lint.notApplicable[template.path] ?? [] } : {}),
    },
    ...(template ? { template: { path: img.template, digest: templateDigest(template) } } : {}),
    promotions:
      outcome.status === 'pass' && stage && ctx.promote
        ? [{ stage, at: new Date().toISOString(), status: 'pending' }]
        : [],
  };
  const verdict = sealVerdict(body);
  const verdictFile = writeVerdict(join(ctx.out, 'verdicts'), verdict);
  const counts = verdict.suites.reduce(
    (acc, s) => ({
      total: acc.total + s.run.summary['test-count'],
      failed: acc.failed + s.run.summary['failed-count'],
      skipped: acc.skipped + s.run.summary['skipped-count'],
    }),
    { total: 0, failed: 0, skipped: 0 },
  );
  const result: ArtifactOutcome = {
    id: artifact.id,
    ...(artifact.region ? { region: artifact.region } : {}),
    build: artifact.builder ?? '',
    status: outcome.status,
    verdictFile,
    verdictSha256: verdict.sha256,
    checks: counts,
    promotion: { stage: stage ?? '', status: 'skipped' },
    ...(verdict.error ? { error: verdict.error } : {}),
  };
  ctx.progress.update(
    key,
    outcome.status === 'pass' ? 'passed' : 'failed',
    `${counts.failed} of ${counts.total} checks failed`,
  );
  if (outcome.status !== 'pass' || !stage) return result;
  if (!ctx.promote) return { ...result, promotion: { stage, status: 'pending', detail: '--no-promote' } };
  try {
    ctx.progress.update(key, 'promoting', `to ${stage}`);
    // Loaded only when something is promoted: the AWS SDK costs seconds of start-up.
    const { promoteArtifact } = await import('../promote/run.js');
    const p = await promoteArtifact({
      artifact: artifact.id,
      to: stage,
      stages: ctx.loaded.config.stages,
      stateDir: ctx.out,
      evidence: verdictFile,
      ...(artifact.region ? { region: artifact.region } : {}),
    });
    ctx.progress.update(key, 'promoted', stage);
    return { ...result, promotion: { stage, status: p.changed ? 'promoted' : 'already' } };
  } catch (err) {
    ctx.progress.update(key, 'failed', `promote: ${(err as Error).message}`);
    return { ...result, promotion: { stage, status: 'failed', detail: (err as Error).message } };
  }
}

async function gateImage(img: ImageEntry, ctx: GateContext): Promise<ImageOutcome> {
  const started = Date.now();
  const key = img.name;
  const outcome: ImageOutcome = {
    image: img.name,
    passed: false,
    lint: { errors: 0, warnings: 0, infos: 0, suppressed: 0 },
    artifacts: [],
    durationMs: 0,
  };
  const finish = (o: Partial<ImageOutcome>) => ({ ...outcome, ...o, durationMs: Date.now() - started });

  ctx.progress.update(key, 'linting');
  const lint = await lintImage(img, ctx);
  const s = lint.summary;
  outcome.lint = { errors: s.errors, warnings: s.warnings, infos: s.infos, suppressed: s.suppressed };
  if (s.exitCode !== 0) {
    ctx.progress.update(key, 'failed', 'lint');
    const top = lint.findings[0];
    const where = top ? ` (first: ${top.file}:${top.line} ${top.policy})` : '';
    return finish({
      failedAt: 'lint',
      reason: `${s.syntaxErrors ? `${s.syntaxErrors} syntax error(s)` : `${s.findings} finding(s) at or above ${s.failOn}`}${where}; not built`,
    });
  }
  const suites = await imageSuites(img);

  ctx.progress.update(key, 'building');
  const build = await buildImage(img, ctx.packer, ctx.stamp, {
    logDir: join(ctx.out, 'logs'),
    signal: ctx.signal,
    onEvent: (e) => {
      const line = describeEvent(e);
      if (line?.status === 'building') ctx.progress.update(key, 'building', `${line.key}: ${line.detail}`);
    },
  });
  outcome.build = { durationMs: build.durationMs, logFile: build.logFile };
  if (!build.ok || build.artifacts.length === 0) {
    ctx.progress.update(key, 'failed', 'build');
    const why = build.timedOut
      ? 'timed out'
      : build.aborted
        ? 'interrupted'
        : (build.errors[0]?.text ??
          (build.ok ? 'Packer produced no testable artifact' : `packer exited ${build.exitCode}`));
    return finish({ failedAt: 'build', reason: `${why} (log: ${build.logFile})` });
  }

  const template = lint.templates[0];
  const artifacts: ArtifactOutcome[] = [];
  for (const a of build.artifacts) {
    const ref: ArtifactRef =
      a.kind === 'docker-image'
        ? { kind: 'docker-image', id: a.id, reference: a.tags[0] ?? a.id, builder: a.build }
        : { kind: 'ami', id: a.id, region: a.region, reference: `${a.id} (${a.region})`, builder: a.build };
    artifacts.push(await testOne(img, ref, suites, lint, template, ctx));
  }
  const failed = artifacts.find((a) => a.status !== 'pass');
  const promoteFailed = artifacts.find((a) => a.promotion.status === 'failed');
  return finish({
    artifacts,
    passed: !failed && !promoteFailed,
    ...(failed ? { failedAt: 'test' as const } : promoteFailed ? { failedAt: 'promote' as const } : {}),
  });
}

async function runGate(names: string[], opts: GateOptions): Promise<number> {
  const out = terminalOutput({ quiet: Boolean(opts.quiet || opts.json) });
  const loaded = loadConfig(opts.config);
  let images = selectImages(imageEntries(loaded), names, loaded.file);
  if (opts.changedSince) {
    const chosen = new Set(await changedImageNames(loaded, images, opts.changedSince));
    images = images.filter((i) => chosen.has(i.name));
  }
  const concurrency = Number(opts.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UserError('--concurrency must be a whole number >= 1');
  if (opts.runId !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(opts.runId)) {
    throw new UserError(`--run-id ${opts.runId}: use up to 64 letters, digits, dots, dashes or underscores`);
  }
  const outDir = resolve(opts.out);
  const runId = opts.runId ?? newRunId();
  const lintConfig = loaded.config.lint ?? {};
  const policies = await loadPolicySet({
    dirs: (lintConfig.policyDirs ?? []).map((d) => resolve(loaded.dir, d)),
    config: lintConfig,
    configFile: loaded.file,
  });
  // Found once, before anything runs: a missing Packer is bad input for the whole run.
  const packer = await findPacker();
  const interrupt = interruptSignal();
  const ctx: GateContext = {
    loaded,
    packer,
    out: outDir,
    stamp: makeStamp(loaded.dir, runId),
    ...(opts.failOn ? { failOn: opts.failOn } : {}),
    promote: opts.promote,
    progress: makeProgress(process.stderr, { quiet: Boolean(opts.quiet) }),
    signal: interrupt.signal,
    policies,
    lintRuns: [],
    ...(opts.knownHosts ? { knownHosts: opts.knownHosts } : {}),
  };
  let outcomes: ImageOutcome[];
  try {
    outcomes = await mapLimit(images, concurrency, (img) => gateImage(img, ctx));
  } catch (err) {
    const sig = interrupt.received();
    if (sig)
      throw new UserError(
        `interrupted by ${sig}: test targets torn down, Packer stopped`,
        sig === 'SIGINT' ? 130 : 143,
      );
    throw err;
  } finally {
    ctx.progress.done();
    interrupt.dispose();
  }

  const lintFile = join(outDir, 'lint.json');
  writeFileAtomic(
    lintFile,
    formatJson({
      findings: ctx.lintRuns.flatMap((r) => r.findings),
      summary: ctx.lintRuns[0]?.summary ?? emptyLintSummary(),
      templates: ctx.lintRuns.flatMap((r) => r.templates),
      policies,
      notApplicable: Object.fromEntries(ctx.lintRuns.flatMap((r) => Object.entries(r.notApplicable))),
    }),
  );
  const verdictFiles = outcomes.flatMap((o) =>
    o.artifacts.flatMap((a) => (a.verdictFile ? [a.verdictFile] : [])),
  );
  const reports = verdictFiles.length
    ? writeComplianceReports({
        verdictPaths: verdictFiles,
        lintFiles: [lintFile],
        promotionFiles: [join(outDir, 'promotions.jsonl')],
        loaded,
        outDir,
        title: `imagegate gate ${runId}`,
      })
    : [];
  const summary: GateSummary = {
    runId,
    passed: outcomes.length > 0 && outcomes.every((o) => o.passed),
    images: outcomes,
    verdictDir: join(outDir, 'verdicts'),
    reports,
  };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else if (outcomes.length === 0) {
    out.result(`no image changed since ${opts.changedSince}: nothing to gate`);
  } else {
    out.result(summaryTable(summary));
    for (const line of failureLines(summary)) out.result(paint(out.color, 'red', line));
    out.result(
      `\n${summary.passed ? paint(out.color, 'green', 'GATE PASSED') : paint(out.color, 'red', 'GATE FAILED')}: ` +
        `${outcomes.filter((o) => o.passed).length}/${outcomes.length} image(s) passed`,
    );
    out.result(`verdicts: ${summary.verdictDir}`);
    for (const r of reports) out.result(`report:   ${r}`);
  }
  return outcomes.length === 0 || summary.passed ? 0 : 1;
}

function emptyLintSummary(): LintRun['summary'] {
  return {
    templates: 0,
    policies: 0,
    findings: 0,
    errors: 0,
    warnings: 0,
    infos: 0,
    suppressed: 0,
    syntaxErrors: 0,
    failOn: 'error',
    exitCode: 0,
  };
}

export function register(program: Command): void {
  program
    .command('gate')
    .summary('lint → build → test → promote, one verdict per artifact')
    .description(
      'The pre-promotion gate: for each image (all in imagegate.yaml, the named ones, or those changed ' +
        'since a git ref) lint its template and stop on findings at or above --fail-on, build it with ' +
        'Packer, boot every artifact and run its suites, write a sealed verdict, and promote what passed ' +
        'to the first stage in `stages:`. Ends with a summary table and a compliance report (HTML and Markdown).',
    )
    .argument('[image...]', 'images to gate (default: all)')
    .option('-c, --config <file>', 'configuration file', 'imagegate.yaml')
    .option('--changed-since <ref>', 'only images whose inputs changed since this git ref')
    .option('--concurrency <n>', 'images gated at once', '2')
    .option(
      '--out <dir>',
      'verdicts/, logs/, lint.json, promotions.jsonl and the reports go here',
      '.imagegate',
    )
    .option(
      '--fail-on <severity>',
      'lint threshold that stops an image before it is built (default: lint.failOn or error)',
    )
    .option('--no-promote', 'test only: record the promotion as pending')
    .option('--run-id <id>', 'label everything booted with this id (e.g. the CI job id) for `sweep --run-id`')
    .option(...KNOWN_HOSTS_OPTION)
    .option('--json', 'print the summary as JSON on stdout')
    .option('-q, --quiet', 'no progress on stderr')
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
      if (opts.failOn && !['error', 'warning', 'info'].includes(opts.failOn)) {
        throw new UserError(`--fail-on ${opts.failOn}: use error, warning or info`);
      }
      process.exitCode = await runGate(names, opts);
    });
}
