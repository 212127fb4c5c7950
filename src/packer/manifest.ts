import type { ArtifactRef } from '../evidence/verdict.js';

/**
 * Packer's manifest post-processor output. Builds accumulate across runs; `last_run_uuid`
 * names the newest run. Shapes vary by Packer version: older files lack `custom_data`,
 * `packer_run_uuid` or even `name`; `files` may be null. Only `builder_type` and `artifact_id`
 * are needed to test a build.
 */
export interface ManifestBuild {
  name: string;
  builderType: string;
  artifactId: string;
  runUuid?: string;
  index: number;
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

export function parseManifest(text: string, file: string): { builds: ManifestBuild[]; lastRunUuid?: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(
      `${file}: not valid JSON (${(err as Error).message}): pass Packer's manifest.json`,
    );
  }
  const root = data as { builds?: unknown; last_run_uuid?: unknown };
  if (!root || typeof root !== 'object' || !Array.isArray(root.builds)) {
    throw new ManifestError(`${file}: no "builds" list: not a Packer manifest (post-processor "manifest")`);
  }
  const builds = root.builds.map((raw, index): ManifestBuild => {
    const b = (raw ?? {}) as Record<string, unknown>;
    if (typeof b.builder_type !== 'string' || typeof b.artifact_id !== 'string') {
      throw new ManifestError(`${file}: builds[${index}] lacks builder_type or artifact_id`);
    }
    return {
      name: typeof b.name === 'string' ? b.name : b.builder_type,
      builderType: b.builder_type,
      artifactId: b.artifact_id,
      ...(typeof b.packer_run_uuid === 'string' ? { runUuid: b.packer_run_uuid } : {}),
      index,
    };
  });
  return { builds, ...(typeof root.last_run_uuid === 'string' ? { lastRunUuid: root.last_run_uuid } : {}) };
}

const DOCKER_BUILDERS = /^docker$/;
const AMAZON_BUILDERS = /^amazon-(ebs|ebssurrogate|instance|chroot|ebsvolume)$/;

/**
 * Testable artifacts of the newest run (all builds when the manifest names no run): one per
 * docker build, one per region for amazon builds (`us-east-1:ami-…,eu-west-1:ami-…`).
 * Builds of other builder types are returned in `skipped` so the caller can say so.
 */
export function manifestArtifacts(
  text: string,
  file: string,
): { artifacts: ArtifactRef[]; skipped: ManifestBuild[] } {
  const { builds, lastRunUuid } = parseManifest(text, file);
  const current = lastRunUuid
    ? builds.filter((b) => b.runUuid === undefined || b.runUuid === lastRunUuid)
    : builds;
  const artifacts: ArtifactRef[] = [];
  const skipped: ManifestBuild[] = [];
  for (const b of current) {
    const reference = `${file}#${b.index}`;
    if (DOCKER_BUILDERS.test(b.builderType)) {
      artifacts.push({
        kind: 'docker-image',
        id: b.artifactId,
        reference,
        builder: `${b.name} (${b.builderType})`,
      });
    } else if (AMAZON_BUILDERS.test(b.builderType)) {
      for (const pair of b.artifactId.split(',')) {
        const m = /^\s*([a-z]{2}(?:-[a-z]+)+-\d+):(ami-[0-9a-f]+)\s*$/.exec(pair);
        if (!m)
          throw new ManifestError(`${file}: builds[${b.index}].artifact_id "${pair}" is not region:ami-…`);
        artifacts.push({
          kind: 'ami',
          id: m[2]!,
          region: m[1]!,
          reference,
          builder: `${b.name} (${b.builderType})`,
        });
      }
    } else {
      skipped.push(b);
    }
  }
  return { artifacts, skipped };
}
