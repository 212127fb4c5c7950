import type { BaseImage } from '../evidence/verdict.js';
import type { BuiltArtifact } from './artifacts.js';
import type { BuildBase } from './machine-readable.js';

/** What the local engine knows of a docker base after the build pulled it. */
export interface DockerBaseInfo {
  id: string;
  repoDigests: string[];
}

/** Repository part of a reference: `debian:bookworm` → `debian`, `reg:5000/a/b@sha256:…` → `reg:5000/a/b`. */
export function repositoryOf(reference: string): string {
  const noDigest = reference.split('@')[0] ?? reference;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/**
 * Attach to each artifact the base its build started from. An AMI base is in the artifact's
 * region (the builder looked it up there); a docker base gets its image id and the registry
 * digest it was pulled by, when the engine can tell (`inspect` returns undefined otherwise).
 */
export async function withBases(
  artifacts: BuiltArtifact[],
  bases: ReadonlyMap<string, BuildBase>,
  inspect: (reference: string) => Promise<DockerBaseInfo | undefined>,
): Promise<BuiltArtifact[]> {
  const out: BuiltArtifact[] = [];
  for (const a of artifacts) {
    const b = bases.get(a.build);
    if (!b) {
      out.push(a);
      continue;
    }
    let base: BaseImage;
    if (b.kind === 'ami') base = { kind: 'ami', id: b.id, ...(a.kind === 'ami' ? { region: a.region } : {}) };
    else {
      const info = await inspect(b.reference).catch(() => undefined);
      const repo = repositoryOf(b.reference);
      const digest = info?.repoDigests.find((d) => repositoryOf(d) === repo) ?? info?.repoDigests[0];
      base = {
        kind: 'docker-image',
        reference: b.reference,
        ...(info ? { id: info.id } : {}),
        ...(digest ? { digest } : {}),
      };
    }
    out.push({ ...a, base });
  }
  return out;
}
