import type { LoadedConfig } from '../config/load.js';
import { UserError } from '../core/errors.js';
import type { Transport } from '../suite/transport.js';
import { ec2TargetFactory } from '../targets/ec2-factory.js';
import { DEFAULT_TTL_SECONDS, newRunId } from '../targets/labels.js';
import { makeTarget } from '../targets/make-target.js';
import { ImageFailure, InfraError } from '../targets/target.js';
import { ArtifactError, resolveArtifacts } from './artifacts.js';

export interface ObserveArtifactRequest {
  /** An image reference or id, an AMI id, or a Packer manifest.json with one bootable build. */
  artifact: string;
  loaded: LoadedConfig;
  /** imagegate.yaml image whose test settings (docker command, instance type, …) apply. */
  image?: string;
  region?: string;
  knownHosts?: string;
  insecureIgnoreHostKey?: boolean;
  signal?: AbortSignal;
  progress: (message: string) => void;
}

/**
 * Boot an artifact as `imagegate test` does (labelled ephemeral, so `sweep` finds leftovers),
 * hand its transport to `use`, and tear it down whatever happens: `validate add --artifact`
 * writes a starter suite from a known-good image without a long-lived host.
 */
export async function withBootedArtifact<T>(
  req: ObserveArtifactRequest,
  use: (transport: Transport, reference: string) => Promise<T>,
): Promise<T> {
  const imageConfig = req.image === undefined ? undefined : req.loaded.config.images?.[req.image];
  if (req.image !== undefined && !imageConfig)
    throw new UserError(`--image ${req.image}: not in ${req.loaded.file ?? 'imagegate.yaml'}`);
  const settings = imageConfig?.test ?? {};
  let artifacts: Awaited<ReturnType<typeof resolveArtifacts>>;
  try {
    artifacts = await resolveArtifacts(req.artifact, { ...(req.region ? { region: req.region } : {}) });
  } catch (err) {
    if (err instanceof ArtifactError) throw new UserError(err.message, 2);
    throw new UserError(`infrastructure: ${(err as Error).message}`, 1);
  }
  if (artifacts.length !== 1)
    throw new UserError(
      `${req.artifact}: names ${artifacts.length} artifacts; observe one at a time (pass its image or AMI id)`,
      2,
    );
  const artifact = artifacts[0]!;
  const mark = { runId: newRunId(), ttlSeconds: DEFAULT_TTL_SECONDS };
  const ec2 =
    artifact.kind === 'ami'
      ? await ec2TargetFactory(settings, req.loaded.dir, mark, req.knownHosts, req.insecureIgnoreHostKey)
      : undefined;
  const target = makeTarget(artifact, { mark, settings, ...(ec2 ? { ec2 } : {}) });
  const aborted = new Promise<never>((_, reject) => {
    req.signal?.addEventListener('abort', () => reject(req.signal?.reason), { once: true });
  });
  aborted.catch(() => {});
  try {
    req.progress(`booting ${artifact.reference}`);
    const booted = await Promise.race([target.boot(artifact), aborted]);
    return await Promise.race([use(booted.transport, artifact.reference), aborted]);
  } catch (err) {
    if (err instanceof InfraError || err instanceof ImageFailure)
      throw new UserError(`${artifact.reference}: ${err.message}`, 1);
    throw err;
  } finally {
    req.progress(`tearing down ${artifact.reference}`);
    await target.teardown();
  }
}
