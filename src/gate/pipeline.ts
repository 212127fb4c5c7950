import { createHash } from 'node:crypto';
import { join, relative, resolve } from 'node:path';
import { type ImageEntry, imageSuiteSettings } from '../config/images.js';
import type { LoadedConfig } from '../config/load.js';
import type { Severity } from '../config/types.js';
import { UserError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { mapLimit } from '../core/pool.js';
import { signerFor } from '../evidence/setup.js';
import type { Signer } from '../evidence/signer.js';
import type { ArtifactRef, BaseImage, Verdict } from '../evidence/verdict.js';
import { LintInputError } from '../lint/errors.js';
import { loadPolicySet } from '../lint/policies.js';
import { type LintRun, lintPaths } from '../lint/run.js';
import { atOrAbove, SYNTAX } from '../lint/types.js';
import { findPacker, packerArgs } from '../packer/packer.js';
import { buildImage, describeEvent, type ImageBuild } from '../packer/run.js';
import { makeStamp, type Stamp } from '../packer/stamp.js';
import { formatJson } from '../report/lint/json.js';
import { writeComplianceReports } from '../report/write.js';
import type { Suite } from '../suite/model.js';
import { ec2TargetFactory } from '../targets/ec2-factory.js';
import { newRunId } from '../targets/labels.js';
import { makeTarget } from '../targets/make-target.js';
import type { Target } from '../targets/target.js';
import type { Template } from '../template/model.js';
import { dockerBaseRefs } from './base-queries.js';
import { type ArtifactOutcome, FAILED_CHECKS_SHOWN, type GateSummary, type ImageOutcome } from './outcome.js';
import type { Progress } from './progress.js';
import { imageSuites, readinessFor } from './suites.js';
import { recordTest } from './test-artifact.js';
import { ttlSeconds } from './test-run.js';

/**
 * The parts of the gate that reach outside the process: Packer, the machines artifacts boot on,
 * and the promotion executors. Injected so the pipeline's decisions are tested without them.
 */
export interface GateDeps {
  build(
    img: ImageEntry,
    stamp: Stamp,
    opts: {
      logDir: string;
      signal: AbortSignal;
      onEvent: Parameters<typeof buildImage>[3]['onEvent'];
      dockerBases?: Record<string, string>;
    },
  ): Promise<ImageBuild>;
  target(
    artifact: ArtifactRef,
    img: ImageEntry,
    mark: { runId: string; ttlSeconds: number },
  ): Promise<Target>;
  promote(req: {
    artifact: string;
    to: string;
    evidence: string;
    stateDir: string;
    region?: string;
  }): Promise<{
    changed: boolean;
  }>;
}

export interface GateRequest {
  loaded: LoadedConfig;
  /** The images to gate, already selected (names, --changed-since). */
  images: ImageEntry[];
  concurrency: number;
  /** verdicts/, logs/, lint.json, promotions.jsonl and the reports go here. */
  outDir: string;
  failOn?: Severity;
  promote: boolean;
  runId?: string;
  progress: Progress;
  signal: AbortSignal;
  toolVersion: string;
  /** Signs verdicts; default imagegate.yaml's evidence.signer (the development key when unset). */
  signer?: Signer;
  /** Told once, when the development key is created. */
  notice?: (message: string) => void;
  /** `-v`: each line a provisioner prints (apt, scripts), as it prints it. */
  buildOutput?: (image: string, build: string, text: string) => void;
}

/** The real parts: Packer found once up front (a missing Packer is bad input for the whole run). */
export async function defaultGateDeps(
  loaded: LoadedConfig,
  opts: { knownHosts?: string; insecureIgnoreHostKey?: boolean } = {},
): Promise<GateDeps> {
  const packer = await findPacker();
  return {
    build: (img, stamp, o) => buildImage(img, packer, stamp, o),
    target: async (artifact, img, mark) =>
      makeTarget(artifact, {
        mark,
        settings: img.test,
        ...(artifact.kind === 'ami'
          ? {
              ec2: await ec2TargetFactory(
                img.test,
                loaded.dir,
                mark,
                opts.knownHosts,
                opts.insecureIgnoreHostKey,
              ),
            }
          : {}),
      }),
    promote: async (req) => {
      // Loaded only when something is promoted: the AWS SDK costs seconds of start-up.
      const { promoteArtifact } = await import('../promote/run.js');
      return promoteArtifact({
        ...req,
        stages: loaded.config.stages,
        ...(loaded.config.evidence ? { evidenceConfig: loaded.config.evidence } : {}),
        configDir: loaded.dir,
        keyDir: join(loaded.dir, '.imagegate'),
        images: imageSuiteSettings(loaded),
      });
    },
  };
}

interface GateContext extends GateRequest {
  signer: Signer;
  deps: GateDeps;
  stamp: Stamp;
  policies: Awaited<ReturnType<typeof loadPolicySet>>;
  lintRuns: LintRun[];
}

/** sha256 over the template's files in a stable order: "which template exactly" for the verdict. */
export function templateDigest(t: Template): string {
  const h = createHash('sha256');
  for (const f of [...t.files].sort())
    h.update(f)
      .update('\0')
      .update(t.text[f] ?? '')
      .update('\0');
  return h.digest('hex');
}

/**
 * lint → build → test → promote for each image, at most `concurrency` at once; writes one
 * signed verdict per artifact, lint.json and the compliance reports. Rejects with the abort
 * reason when `signal` aborts, after targets are torn down and Packer is stopped.
 */
export async function runGate(req: GateRequest, deps: GateDeps): Promise<GateSummary> {
  const { loaded } = req;
  const runId = req.runId ?? newRunId();
  assertPromotable(req);
  const lintConfig = loaded.config.lint ?? {};
  const policies = await loadPolicySet({
    dirs: (lintConfig.policyDirs ?? []).map((d) => resolve(loaded.dir, d)),
    config: lintConfig,
    configFile: loaded.file,
  });
  const signer =
    req.signer ??
    signerFor(loaded.config.evidence?.signer, {
      configDir: loaded.dir,
      stateDir: req.outDir,
      // The repository's development key sits beside imagegate.yaml, wherever --out points:
      // promote, verify and report look for it there.
      keyDir: join(loaded.dir, '.imagegate'),
      ...(req.notice ? { notice: req.notice } : {}),
    });
  const ctx: GateContext = {
    ...req,
    signer,
    runId,
    deps,
    stamp: makeStamp(loaded.dir, runId),
    policies,
    lintRuns: [],
  };
  let outcomes: ImageOutcome[];
  try {
    outcomes = await mapLimit(req.images, req.concurrency, (img) => gateImage(img, ctx));
    outcomes.push(...(await lintUnbuilt(ctx)));
  } finally {
    req.progress.done();
  }
  // An interrupted build or test is not a gate failure of the image: the run did not finish.
  req.signal.throwIfAborted();

  const lintFile = join(req.outDir, 'lint.json');
  writeFileAtomic(
    lintFile,
    formatJson({
      findings: ctx.lintRuns.flatMap((r) => r.findings),
      summary: mergeSummaries(ctx.lintRuns),
      templates: ctx.lintRuns.flatMap((r) => r.templates),
      policies,
      notApplicable: Object.fromEntries(ctx.lintRuns.flatMap((r) => Object.entries(r.notApplicable))),
    }),
  );
  const verdictFiles = outcomes.flatMap((o) =>
    o.artifacts.flatMap((a) => (a.verdictFile ? [a.verdictFile] : [])),
  );
  const reports = verdictFiles.length
    ? await writeComplianceReports({
        verdictPaths: verdictFiles,
        lintFiles: [lintFile],
        promotionFiles: [join(req.outDir, 'promotions.jsonl')],
        loaded,
        outDir: req.outDir,
        title: `imagegate gate ${runId}`,
      })
    : [];
  return {
    runId,
    passed: outcomes.length > 0 && outcomes.every((o) => o.passed),
    images: outcomes,
    verdictDir: join(req.outDir, 'verdicts'),
    reports,
  };
}

/**
 * Templates under `lint.paths` (default: imagegate.yaml's directory) that no selected image
 * builds are linted all the same: a `curl | bash` in a template this run cannot build must still
 * stop the gate. One outcome per such template, failing at lint when a finding reaches --fail-on.
 */
async function lintUnbuilt(ctx: GateContext): Promise<ImageOutcome[]> {
  const paths = (ctx.loaded.config.lint?.paths ?? ['.']).map((p) => resolve(ctx.loaded.dir, p));
  const built = new Set(ctx.images.map((i) => resolve(i.template)));
  const lint = ctx.loaded.config.lint ?? {};
  let run: LintRun;
  try {
    run = await lintPaths(paths, {
      config: { ...lint, policyDirs: [] },
      policies: ctx.policies,
      ...(ctx.loaded.file ? { configFile: ctx.loaded.file } : {}),
      ...(ctx.failOn ? { failOn: ctx.failOn } : {}),
      exclude: (templatePath) => built.has(resolve(templatePath)),
      // Relative to imagegate.yaml, like lint.paths.
      ...(lint.packerDir === undefined ? {} : { packerDir: resolve(ctx.loaded.dir, lint.packerDir) }),
    });
  } catch (err) {
    // Nothing but the images' own templates there: they were linted with their images.
    if (err instanceof LintInputError && /no Packer templates found/.test(err.message)) return [];
    throw err;
  }
  if (run.templates.length === 0) return [];
  ctx.lintRuns.push(run);
  const failOn = run.summary.failOn;
  return run.templates.map((t) => {
    const files = new Set(t.files);
    const findings = run.findings.filter((f) => files.has(f.file));
    const count = (sev: string) => findings.filter((f) => f.severity === sev).length;
    const failing = findings.filter((f) => f.policy === SYNTAX || atOrAbove(f.severity, failOn));
    const top = failing[0];
    const name = relative(process.cwd(), t.path) || '.';
    ctx.progress.update(name, failing.length ? 'failed' : 'passed', 'lint only (no image builds it)');
    return {
      image: name,
      lintOnly: true,
      passed: failing.length === 0,
      lint: { errors: count('error'), warnings: count('warning'), infos: count('info'), suppressed: 0 },
      artifacts: [],
      durationMs: 0,
      ...(top
        ? {
            failedAt: 'lint' as const,
            reason: `${failing.length} finding(s) at or above ${failOn} (first: ${top.file}:${top.line} ${top.policy}); no image builds this template, it is linted only`,
          }
        : {}),
    };
  });
}

/**
 * Why a build failed, as the user needs it: the failing step and the last lines it printed (the
 * apt error), not only Packer's closing "Script exited with non-zero exit status: 100".
 */
export function buildFailure(build: ImageBuild, log: string): string {
  if (build.timedOut) return `timed out (log: ${log})`;
  if (build.aborted) return `interrupted (log: ${log})`;
  const f = build.failures?.[0];
  if (!f) {
    const why =
      build.errors[0]?.text ??
      build.templateErrors?.[0] ??
      (build.ok ? 'Packer produced no testable artifact' : `packer exited ${build.exitCode}`);
    return `${why} (log: ${log})`;
  }
  const tail = f.tail.length ? `\n    ${f.tail.join('\n    ')}` : '';
  return `${f.build}${f.step ? ` ${f.step}` : ''}: ${f.error} (log: ${log})${tail}`;
}

/** One summary over every lint run of the gate (each image's and the unbuilt templates'). */
function mergeSummaries(runs: LintRun[]): LintRun['summary'] {
  const base = emptyLintSummary();
  for (const r of runs) {
    const s = r.summary;
    base.templates += s.templates;
    base.findings += s.findings;
    base.errors += s.errors;
    base.warnings += s.warnings;
    base.infos += s.infos;
    base.suppressed += s.suppressed;
    base.syntaxErrors += s.syntaxErrors;
    base.policies = Math.max(base.policies, s.policies);
    base.failOn = s.failOn;
    base.exitCode = Math.max(base.exitCode, s.exitCode) as 0 | 1 | 2;
  }
  return base;
}

async function lintImage(img: ImageEntry, ctx: GateContext): Promise<LintRun> {
  const lint = ctx.loaded.config.lint ?? {};
  const run = await lintPaths([img.template], {
    config: { ...lint, policyDirs: [] },
    policies: ctx.policies,
    ...(ctx.loaded.file ? { configFile: ctx.loaded.file } : {}),
    ...(ctx.failOn ? { failOn: ctx.failOn } : {}),
    // The build runs Packer there, so relative script paths resolve there.
    packerDir: packerArgs({ template: img.template }).cwd,
  });
  ctx.lintRuns.push(run);
  return run;
}

/**
 * A first stage without `trust` refuses every promotion: say so before minutes of builds, with
 * where it is written, not after each image passed.
 */
function assertPromotable(req: GateRequest): void {
  const stage = firstStage(req.loaded);
  if (!req.promote || !stage || (req.loaded.config.stages?.[stage]?.trust?.length ?? 0) > 0) return;
  const where = req.loaded.where?.(`/stages/${stage}`) ?? req.loaded.file ?? 'imagegate.yaml';
  throw new UserError(
    `${where}: stages.${stage} has no trust policy, so nothing can be promoted there: add \`trust: [local-dev]\` (this repository's development key) or the keys that sign its evidence (docs/evidence.md), or run gate --no-promote`,
  );
}

/** The first stage of the ladder: where a passing artifact goes. */
function firstStage(loaded: LoadedConfig): string | undefined {
  return Object.keys(loaded.config.stages ?? {})[0];
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
  const finish = (o: Partial<ImageOutcome>): ImageOutcome => {
    const done = { ...outcome, ...o, durationMs: Date.now() - started };
    // Every row ends in a final state: none is left 'building' under the verdict.
    ctx.progress.update(key, done.passed ? 'passed' : 'failed', done.failedAt ?? '');
    return done;
  };

  ctx.progress.update(key, 'linting');
  const lint = await lintImage(img, ctx);
  const s = lint.summary;
  outcome.lint = { errors: s.errors, warnings: s.warnings, infos: s.infos, suppressed: s.suppressed };
  if (s.exitCode !== 0) {
    ctx.progress.update(key, 'failed', 'lint');
    // Count and point at what failed the lint, not at the first warning that happens to be listed.
    const syntax = lint.findings.filter((f) => f.policy === SYNTAX);
    const failing = syntax.length ? syntax : lint.findings.filter((f) => atOrAbove(f.severity, s.failOn));
    const top = failing[0];
    const where = top ? ` (first: ${top.file}:${top.line} ${top.policy})` : '';
    return finish({
      failedAt: 'lint',
      reason: `${syntax.length ? `${syntax.length} syntax error(s)` : `${failing.length} finding(s) at or above ${s.failOn}`}${where}; not built`,
    });
  }
  const suites = await imageSuites(img);

  ctx.progress.update(key, 'building');
  const build = await ctx.deps.build(img, ctx.stamp, {
    logDir: join(ctx.outDir, 'logs'),
    signal: ctx.signal,
    ...(lint.templates[0] ? { dockerBases: dockerBaseRefs(lint.templates[0], img.only) } : {}),
    onEvent: (e) => {
      if (e.kind === 'output') ctx.buildOutput?.(img.name, e.build, e.text);
      const line = describeEvent(e);
      if (line?.status === 'building') ctx.progress.update(key, 'building', `${line.key}: ${line.detail}`);
    },
  });
  outcome.build = { durationMs: build.durationMs, logFile: build.logFile };
  if (!build.ok || build.artifacts.length === 0) {
    ctx.progress.update(key, 'failed', 'build');
    const log = relative(process.cwd(), build.logFile) || build.logFile;
    return finish({ failedAt: 'build', reason: buildFailure(build, log) });
  }

  const template = lint.templates[0];
  const artifacts: ArtifactOutcome[] = [];
  for (const a of build.artifacts) {
    const ref: ArtifactRef =
      a.kind === 'docker-image'
        ? { kind: 'docker-image', id: a.id, reference: a.tags[0] ?? a.id, builder: a.build }
        : { kind: 'ami', id: a.id, region: a.region, reference: `${a.id} (${a.region})`, builder: a.build };
    artifacts.push(await testOne(img, ref, suites, lint, template, ctx, a.base));
  }
  const failed = artifacts.find((a) => a.status !== 'pass');
  const promoteFailed = artifacts.find((a) => a.promotion.status === 'failed');
  return finish({
    artifacts,
    passed: !failed && !promoteFailed,
    ...(failed ? { failedAt: 'test' as const } : promoteFailed ? { failedAt: 'promote' as const } : {}),
  });
}

async function testOne(
  img: ImageEntry,
  artifact: ArtifactRef,
  suites: Suite[],
  lint: LintRun,
  template: Template | undefined,
  ctx: GateContext,
  base?: BaseImage,
): Promise<ArtifactOutcome> {
  const key = `${img.name} ${artifact.builder ?? artifact.id.slice(0, 19)}`;
  const readiness = await readinessFor(artifact, img.test, ctx.loaded.dir, img.suiteVars, undefined);
  const mark = { runId: ctx.stamp.runId, ttlSeconds: ttlSeconds(img.test.ttl, 'test.ttl') };
  const stage = firstStage(ctx.loaded);
  const record = await recordTest({
    artifact,
    suites,
    target: await ctx.deps.target(artifact, img, mark),
    ...(readiness ? { readiness } : {}),
    image: img.name,
    signal: ctx.signal,
    progress: (m) => ctx.progress.update(key, 'testing', m),
    toolVersion: ctx.toolVersion,
    repoDir: ctx.loaded.dir,
    git: { sha: ctx.stamp.gitSha, dirty: ctx.stamp.gitDirty },
    verdictDir: join(ctx.outDir, 'verdicts'),
    signer: ctx.signer,
    extend: (status): Partial<Omit<Verdict, 'sha256'>> => ({
      lint: {
        errors: lint.summary.errors,
        warnings: lint.summary.warnings,
        infos: lint.summary.infos,
        findings: lint.findings,
        ...(template ? { notApplicable: lint.notApplicable[template.path] ?? [] } : {}),
      },
      ...(template ? { template: { path: img.template, digest: templateDigest(template) } } : {}),
      // Recorded so `plan --stale` can tell when the base has moved on.
      ...(base ? { base } : {}),
      promotions:
        status === 'pass' && stage && ctx.promote
          ? [{ stage, at: new Date().toISOString(), status: 'pending' }]
          : [],
    }),
  });
  const { verdict, checks } = record;
  const result: ArtifactOutcome = {
    id: artifact.id,
    ...(artifact.region ? { region: artifact.region } : {}),
    build: artifact.builder ?? '',
    status: record.status,
    verdictFile: record.file,
    verdictSha256: record.attestationSha256,
    checks,
    ...(checks.failed > 0 ? { failedChecks: failedChecks(verdict) } : {}),
    promotion: { stage: stage ?? '', status: 'skipped' },
    ...(verdict.error ? { error: verdict.error } : {}),
  };
  ctx.progress.update(
    key,
    record.status === 'pass' ? 'passed' : 'failed',
    `${checks.failed} of ${checks.total} checks failed`,
  );
  if (record.status !== 'pass' || !stage) return result;
  if (!ctx.promote) return { ...result, promotion: { stage, status: 'pending', detail: '--no-promote' } };
  try {
    ctx.progress.update(key, 'promoting', `to ${stage}`);
    const p = await ctx.deps.promote({
      artifact: artifact.id,
      to: stage,
      evidence: record.file,
      stateDir: ctx.outDir,
      ...(artifact.region ? { region: artifact.region } : {}),
    });
    ctx.progress.update(key, 'promoted', stage);
    return { ...result, promotion: { stage, status: p.changed ? 'promoted' : 'already' } };
  } catch (err) {
    ctx.progress.update(key, 'failed', `promote: ${(err as Error).message}`);
    return { ...result, promotion: { stage, status: 'failed', detail: (err as Error).message } };
  }
}

function failedChecks(v: Verdict): { suite: string; summary: string }[] {
  return v.suites
    .flatMap((s) =>
      s.run.results.filter((r) => r.result === 1).map((r) => ({ suite: s.name, summary: r['summary-line'] })),
    )
    .slice(0, FAILED_CHECKS_SHOWN);
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
