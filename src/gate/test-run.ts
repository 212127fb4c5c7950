import { join, resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { ImageTestConfig } from '../config/types.js';
import { durationSeconds } from '../core/duration.js';
import { UserError } from '../core/errors.js';
import { signerFor } from '../evidence/setup.js';
import type { Signer } from '../evidence/signer.js';
import { ec2TargetFactory } from '../targets/ec2-factory.js';
import { DEFAULT_TTL_SECONDS, newRunId } from '../targets/labels.js';
import { makeTarget } from '../targets/make-target.js';
import { ArtifactError, resolveArtifacts } from './artifacts.js';
import { loadSuiteForTest, readinessFor, suiteName } from './suites.js';
import { recordTest, type TestRecord } from './test-artifact.js';

/** `imagegate test ARTIFACT`, below its flags. */
export interface TestRequest {
  artifact: string;
  loaded: LoadedConfig;
  /** imagegate.yaml image whose suites, suiteVars and test settings apply. */
  image?: string;
  gossfiles: string[];
  vars: string[];
  varsInline?: string;
  verdictDir: string;
  region?: string;
  ttl?: string;
  runId?: string;
  knownHosts?: string;
  /** `--insecure-ignore-host-key`: connect to an instance whose console shows no host key fingerprints. */
  insecureIgnoreHostKey?: boolean;
  signal?: AbortSignal;
  progress: (message: string) => void;
  /** Told as soon as each artifact's verdict is written, so output keeps pace with a slow run. */
  onRecord?: (record: TestRecord) => void;
  toolVersion: string;
  /** Signs verdicts; default imagegate.yaml's evidence.signer (the development key when unset). */
  signer?: Signer;
  /** Told once, when the development key is created. */
  notice?: (message: string) => void;
}

/** Parse a lifetime label (`--ttl` / `test.ttl`) into whole seconds; bad input is exit 2. */
export function ttlSeconds(text: string | undefined, flag = '--ttl'): number {
  const parsed = text === undefined ? DEFAULT_TTL_SECONDS : durationSeconds(text);
  if (parsed === undefined || parsed <= 0)
    throw new UserError(`${flag} ${text}: expected a duration such as 90m or 2h`);
  return Math.ceil(parsed);
}

export async function runTest(req: TestRequest): Promise<TestRecord[]> {
  const { loaded } = req;
  const imageConfig = req.image === undefined ? undefined : loaded.config.images?.[req.image];
  if (req.image !== undefined && !imageConfig) {
    const known = Object.keys(loaded.config.images ?? {});
    throw new UserError(
      `--image ${req.image}: not in ${loaded.file ?? 'imagegate.yaml'} (known: ${known.join(', ') || 'none'})`,
    );
  }
  const settings: ImageTestConfig = imageConfig?.test ?? {};
  const ttl = ttlSeconds(req.ttl ?? settings.ttl);

  const suiteFiles = [...req.gossfiles, ...(imageConfig?.suites ?? []).map((s) => suiteName(s, loaded.dir))];
  if (suiteFiles.length === 0) {
    throw new UserError(
      'no suites to run: pass -g FILE (repeatable) or --image NAME whose imagegate.yaml entry lists suites',
    );
  }
  const vars = [...(imageConfig?.suiteVars ?? []).map((v) => resolve(loaded.dir, v)), ...req.vars];
  const suites = [];
  for (const f of suiteFiles) suites.push(await loadSuiteForTest(f, vars, req.varsInline));

  let artifacts: Awaited<ReturnType<typeof resolveArtifacts>>;
  try {
    artifacts = await resolveArtifacts(req.artifact, {
      ...(req.region ? { region: req.region } : {}),
      onSkip: req.progress,
    });
  } catch (err) {
    if (err instanceof ArtifactError) throw new UserError(err.message, 2);
    throw new UserError(`infrastructure: ${(err as Error).message}`, 2);
  }

  const mark = { runId: req.runId ?? newRunId(), ttlSeconds: ttl };
  const ec2 = artifacts.some((a) => a.kind === 'ami')
    ? await ec2TargetFactory(settings, loaded.dir, mark, req.knownHosts, req.insecureIgnoreHostKey)
    : undefined;
  const signer =
    req.signer ??
    signerFor(loaded.config.evidence?.signer, {
      configDir: loaded.dir,
      stateDir: join(loaded.dir, '.imagegate'),
      ...(req.notice ? { notice: req.notice } : {}),
    });
  const records: TestRecord[] = [];
  for (const artifact of artifacts) {
    const readiness = await readinessFor(artifact, settings, loaded.dir, vars, req.varsInline);
    const record = await recordTest({
      artifact,
      suites,
      target: makeTarget(artifact, { mark, settings, ...(ec2 ? { ec2 } : {}) }),
      ...(readiness ? { readiness } : {}),
      ...(req.image ? { image: req.image } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
      progress: (m) => req.progress(`imagegate test: ${m}`),
      toolVersion: req.toolVersion,
      repoDir: loaded.dir,
      verdictDir: req.verdictDir,
      signer,
    });
    records.push(record);
    req.onRecord?.(record);
  }
  return records;
}
