import { relative, resolve } from 'node:path';
import type { ImageEntry } from '../config/images.js';
import type { ImageTestConfig, ReadinessConfig } from '../config/types.js';
import { timerMilliseconds } from '../core/duration.js';
import { UserError } from '../core/errors.js';
import type { ArtifactRef } from '../evidence/verdict.js';
import type { Suite } from '../suite/model.js';
import type { Readiness } from './test-artifact.js';

/** Suite files are named relative to the working directory: evidence must not carry one machine's paths. */
export function suiteName(file: string, dir: string): string {
  return file.startsWith('builtin:') ? file : relative(process.cwd(), resolve(dir, file));
}

export async function loadSuiteForTest(
  file: string,
  vars: string[],
  varsInline: string | undefined,
): Promise<Suite> {
  // Loaded lazily: commands that never test should not pay for the suite engine.
  const { loadSuite } = await import('../suite/load.js');
  try {
    return await loadSuite(file, { vars, ...(varsInline ? { varsInline } : {}) });
  } catch (err) {
    // Suite errors exit 78 under `validate`; under `test` and `gate` every bad input is 2.
    if (err instanceof UserError) throw new UserError(err.message, 2);
    throw err;
  }
}

export async function loadReadiness(
  r: ReadinessConfig,
  dir: string,
  vars: string[],
  varsInline: string | undefined,
): Promise<Readiness> {
  const suite = await loadSuiteForTest(suiteName(r.suite, dir), vars, varsInline);
  return {
    suite,
    retryTimeoutMs: timer(r.retryTimeout ?? '60s', 'readiness.retryTimeout'),
    sleepMs: timer(r.sleep ?? '1s', 'readiness.sleep'),
  };
}

/** A readiness duration is a timer: past Node's limit it would fire at once, so it is bad input. */
function timer(text: string, key: string): number {
  const t = timerMilliseconds(text);
  if ('problem' in t) throw new UserError(`test.*.${key}: ${t.problem}`);
  return t.ms;
}

/** The suites imagegate.yaml lists for an image; none at all is bad input, never a pass. */
export async function imageSuites(img: ImageEntry): Promise<Suite[]> {
  if (img.suites.length === 0) {
    throw new UserError(`image ${img.name}: no suites configured: an untested image cannot pass the gate`);
  }
  const suites: Suite[] = [];
  for (const s of img.suites)
    suites.push(await loadSuiteForTest(suiteName(s, process.cwd()), img.suiteVars, undefined));
  return suites;
}

/** The readiness suite configured for this kind of artifact, if any. */
export async function readinessFor(
  artifact: ArtifactRef,
  settings: ImageTestConfig,
  dir: string,
  vars: string[],
  varsInline: string | undefined,
): Promise<Readiness | undefined> {
  const config = artifact.kind === 'ami' ? settings.ec2?.readiness : settings.docker?.readiness;
  return config ? loadReadiness(config, dir, vars, varsInline) : undefined;
}
