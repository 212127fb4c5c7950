import { existsSync, readFileSync } from 'node:fs';
import Docker from 'dockerode';
import type { ArtifactRef } from '../evidence/verdict.js';
import { ManifestError, manifestArtifacts } from '../packer/manifest.js';
import { InfraError } from '../targets/target.js';

export class ArtifactError extends Error {
  override name = 'ArtifactError';
}

export interface ResolveOptions {
  region?: string;
  docker?: Docker;
  /** Told about manifest builds of builder types imagegate cannot boot. */
  onSkip?: (message: string) => void;
}

const AMI = /^ami-[0-9a-f]{8,17}$/;

/**
 * What `imagegate test ARTIFACT` names: a Packer manifest.json (every build of its newest run),
 * an AMI id (needs a region), or a docker image reference or id, resolved to the image id and
 * repo digests the verdict records.
 */
export async function resolveArtifacts(arg: string, opts: ResolveOptions = {}): Promise<ArtifactRef[]> {
  if (arg.endsWith('.json') && existsSync(arg)) {
    let found: ReturnType<typeof manifestArtifacts>;
    try {
      found = manifestArtifacts(readFileSync(arg, 'utf8'), arg);
    } catch (err) {
      if (err instanceof ManifestError) throw new ArtifactError(err.message);
      throw err;
    }
    for (const b of found.skipped) {
      opts.onSkip?.(
        `${arg}: builds[${b.index}] (${b.name}, builder ${b.builderType}) cannot be booted here; skipped`,
      );
    }
    if (found.artifacts.length === 0) throw new ArtifactError(`${arg}: no docker or amazon builds to test`);
    const out: ArtifactRef[] = [];
    for (const a of found.artifacts)
      out.push(a.kind === 'docker-image' ? await dockerArtifact(a.id, a, opts) : a);
    return out;
  }
  if (arg.startsWith('ami-')) {
    if (!AMI.test(arg))
      throw new ArtifactError(`"${arg}" is not an AMI id (ami- followed by 8 or 17 hex digits)`);
    const region = opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region) throw new ArtifactError(`${arg}: which region? pass --region REGION (or set AWS_REGION)`);
    return [{ kind: 'ami', id: arg, region, reference: arg }];
  }
  if (arg.endsWith('.json')) throw new ArtifactError(`${arg}: no such manifest file`);
  return [await dockerArtifact(arg, { reference: arg }, opts)];
}

async function dockerArtifact(
  ref: string,
  base: Pick<ArtifactRef, 'reference' | 'builder'>,
  opts: ResolveOptions,
): Promise<ArtifactRef> {
  const docker = opts.docker ?? new Docker();
  let info: Docker.ImageInspectInfo;
  try {
    info = await docker.getImage(ref).inspect();
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) {
      throw new ArtifactError(
        `"${ref}": no such docker image on this engine (nor a manifest.json or ami-… id); build it or check \`docker images\``,
      );
    }
    throw new InfraError(`cannot reach the Docker Engine: ${(err as Error).message}`);
  }
  return {
    kind: 'docker-image',
    id: info.Id,
    ...(info.RepoDigests?.[0] ? { digest: info.RepoDigests[0] } : {}),
    ...base,
  };
}
