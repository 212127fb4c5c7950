import { setTimeout as sleep } from 'node:timers/promises';
import { gitState } from '../core/git.js';
import { redact } from '../core/redact.js';
import { writeSignedVerdict } from '../evidence/sign.js';
import type { Signer } from '../evidence/signer.js';
import type { ArtifactRef, SuiteEvidence, Verdict } from '../evidence/verdict.js';
import type { Suite } from '../suite/model.js';
import { runSuites } from '../suite/run.js';
import { type Booted, ImageFailure, type Target } from '../targets/target.js';

export interface Readiness {
  suite: Suite;
  retryTimeoutMs: number;
  sleepMs: number;
}

export interface TestArtifactOptions {
  artifact: ArtifactRef;
  suites: Suite[];
  target: Target;
  readiness?: Readiness;
  /** imagegate.yaml image name, recorded in the verdict. */
  image?: string;
  /** Aborting (Ctrl-C, SIGTERM) tears the target down and rejects with the abort reason. */
  signal?: AbortSignal;
  progress?: (message: string) => void;
  toolVersion: string;
  /** Repository whose git SHA goes into the verdict (default: cwd). */
  repoDir?: string;
  /** The git state already recorded for this run (gate stamps it once, before building). */
  git?: { sha: string; dirty: boolean };
}

/**
 * `pass`: every check passed. `fail`: a check failed or the artifact never became ready — the
 * image's fault. `infra`: booting or reaching the target failed — not a verdict on the image.
 */
export type TestStatus = 'pass' | 'fail' | 'infra';

export interface TestOutcome {
  status: TestStatus;
  verdict: Omit<Verdict, 'sha256'>;
}

/**
 * Test one artifact: boot it, wait until ready, run each suite (one collection each), capture
 * logs when something failed, and always tear down — on success, failure, exception and abort.
 * The verdict is returned unsigned; `recordTest` signs and writes it.
 */
export async function testArtifact(opts: TestArtifactOptions): Promise<TestOutcome> {
  const { artifact, target, signal } = opts;
  const say = opts.progress ?? (() => {});
  const startedAt = new Date();
  const timings: Verdict['timings'] = { startedAt: startedAt.toISOString(), finishedAt: '' };
  const evidence: SuiteEvidence[] = [];
  let describe: Record<string, unknown> = {};
  let transport: Booted['transport'] | undefined;
  let status: TestStatus = 'pass';
  let error: string | undefined;
  let logs: string | undefined;
  try {
    signal?.throwIfAborted();
    say(`booting ${artifact.reference}`);
    let t = Date.now();
    const booted = await abortable(target.boot(artifact), signal).catch((err: unknown) => {
      throw new BootFailure(err);
    });
    describe = booted.describe;
    transport = booted.transport;
    timings.bootMs = Date.now() - t;
    t = Date.now();
    if (opts.readiness) {
      say(`waiting for readiness (${opts.readiness.suite.name})`);
      const ready = await abortable(
        whileRunning(
          runSuites([opts.readiness.suite], booted.transport, {
            retryTimeoutMs: opts.readiness.retryTimeoutMs,
            sleepMs: opts.readiness.sleepMs,
            phase: 'boot',
          }),
          booted.exited,
        ),
        signal,
      );
      evidence.push({
        name: `readiness:${opts.readiness.suite.name}`,
        digest: opts.readiness.suite.digest,
        run: ready.run,
      });
      if (ready.run.summary['failed-count'] > 0) {
        status = 'fail';
        error = `not ready: readiness suite ${opts.readiness.suite.name} still failing after ${opts.readiness.retryTimeoutMs / 1000}s`;
      }
    }
    for (const suite of status === 'pass' ? opts.suites : []) {
      say(`running ${suite.name} on ${booted.transport.describe()}`);
      const { run } = await abortable(
        whileRunning(runSuites([suite], booted.transport, { phase: 'boot' }), booted.exited),
        signal,
      );
      evidence.push({ name: suite.name, digest: suite.digest, run });
      if (run.summary['failed-count'] > 0) status = 'fail';
    }
    timings.suiteMs = Date.now() - t;
  } catch (err) {
    if (signal?.aborted) {
      await teardown(target, transport, say, timings);
      throw signal.reason;
    }
    const cause = err instanceof BootFailure ? err.cause : err;
    if (cause instanceof ImageFailure) {
      // The artifact's own service died: a verdict on the image, not an infrastructure fault.
      status = 'fail';
      error = cause.message;
    } else {
      status = 'infra';
      error =
        err instanceof BootFailure ? `boot failed: ${message(cause)}` : `infrastructure: ${message(err)}`;
    }
  }
  if (status !== 'pass') logs = await target.logs().catch(() => undefined);
  const teardownError = await teardown(target, transport, say, timings);
  if (teardownError) {
    status = status === 'pass' ? 'infra' : status;
    error = [error, `teardown failed: ${teardownError} (run \`imagegate sweep --apply\`)`]
      .filter(Boolean)
      .join('; ');
  }
  timings.finishedAt = new Date().toISOString();
  const git = opts.git ?? gitState(opts.repoDir ?? process.cwd());
  // Boot-time secrets may surface in logs, command output and matcher values: none of it is kept.
  const secrets = target.secrets?.() ?? [];
  return {
    status,
    verdict: redact(secrets, {
      schema: 'imagegate.verdict/v1',
      artifact,
      ...(opts.image ? { image: opts.image } : {}),
      ...(git.sha !== 'unknown' ? { git } : {}),
      suites: evidence,
      target: describe,
      timings,
      passed: status === 'pass',
      ...(error ? { error } : {}),
      ...(logs ? { logs } : {}),
      promotions: [],
      tool: { name: 'imagegate', version: opts.toolVersion },
    }),
  };
}

class BootFailure extends Error {
  constructor(override readonly cause: unknown) {
    super(message(cause));
  }
}

async function teardown(
  target: Target,
  transport: Booted['transport'] | undefined,
  say: (m: string) => void,
  timings: Verdict['timings'],
): Promise<string | undefined> {
  const t = Date.now();
  try {
    say('tearing down');
    await transport?.close().catch(() => {});
    await target.teardown();
    return undefined;
  } catch (err) {
    return message(err);
  } finally {
    timings.teardownMs = Date.now() - t;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** How long a failed exec waits to learn whether the service died under it (the likelier cause). */
const EXIT_GRACE_MS = 3000;

/**
 * The work, unless the artifact's service stops first: then the test fails as the image's fault.
 * An exec that fails because the container just stopped is reported as that stop, not as infra.
 */
async function whileRunning<T>(work: Promise<T>, exited: Promise<string> | undefined): Promise<T> {
  if (!exited) return work;
  const died = exited.then((why) => {
    throw new ImageFailure(why);
  });
  // Settling after the work won the race is no one's business: keep it from being "unhandled".
  died.catch(() => {});
  try {
    return await Promise.race([work, died]);
  } catch (err) {
    if (err instanceof ImageFailure) throw err;
    const why = await Promise.race([exited, sleep(EXIT_GRACE_MS, undefined, { ref: false })]);
    throw why === undefined ? err : new ImageFailure(why);
  }
}

/** Reject as soon as `signal` aborts; the work itself is stopped by the teardown that follows. */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** What a test adds up to, for summaries: every check of every suite, readiness included. */
export interface CheckCounts {
  total: number;
  failed: number;
  skipped: number;
}

export function countChecks(v: Pick<Verdict, 'suites'>): CheckCounts {
  return v.suites.reduce(
    (acc, s) => ({
      total: acc.total + s.run.summary['test-count'],
      failed: acc.failed + s.run.summary['failed-count'],
      skipped: acc.skipped + s.run.summary['skipped-count'],
    }),
    { total: 0, failed: 0, skipped: 0 },
  );
}

export interface RecordOptions extends TestArtifactOptions {
  /** Where the signed verdict is written. */
  verdictDir: string;
  /** Signs the verdict (an in-toto attestation in a DSSE envelope). */
  signer: Signer;
  /** Fields the caller adds once the outcome is known (gate: lint summary, template, pending promotion). */
  extend?: (status: TestStatus) => Partial<Omit<Verdict, 'sha256'>>;
}

export interface TestRecord {
  status: TestStatus;
  verdict: Verdict;
  file: string;
  /** sha256 of the envelope written: the attestation digest. */
  attestationSha256: string;
  checks: CheckCounts;
}

/**
 * Test one artifact and write its signed verdict: the one path `test` and `gate` share, so a fix
 * to how an artifact is tested or recorded lands once.
 */
export async function recordTest(opts: RecordOptions): Promise<TestRecord> {
  const outcome = await testArtifact(opts);
  const verdict: Verdict = { ...outcome.verdict, ...(opts.extend?.(outcome.status) ?? {}) };
  const { file, digest } = await writeSignedVerdict(opts.verdictDir, verdict, opts.signer);
  return { status: outcome.status, verdict, file, attestationSha256: digest, checks: countChecks(verdict) };
}
