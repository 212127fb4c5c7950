/**
 * Who an artifact is. The verdict carries id, digest, region, template, git SHA and builder;
 * build time and base OS live in the target description or in the image's tags/labels (the
 * SHA/Time/OS/Builder tags every golden image should carry), so they are looked up by the
 * names those are commonly given. Nothing is guessed: a missing value stays missing.
 */
import type { Verdict } from '../../evidence/verdict.js';
import type { Identity } from './types.js';

const BUILD_TIME_KEYS = [
  'buildTime',
  'builtAt',
  'build-time',
  'Build-Time',
  'BuildTime',
  'created',
  'Created',
  'creationDate',
  'CreationDate',
];
const BASE_OS_KEYS = [
  'base.name',
  'baseOs',
  'base-os',
  'Base-OS',
  'BaseOS',
  'os',
  'OS',
  'osRelease',
  'prettyName',
];
const BUILDER_KEYS = ['builder', 'Builder'];
const TAG_CONTAINERS = ['tags', 'labels', 'Tags', 'Labels'];
/** Namespaces stamps are written under: imagegate's own and OCI image annotations. */
const LABEL_PREFIXES = ['imagegate:', 'imagegate.', 'dev.imagegate.', 'org.opencontainers.image.'];

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Tags as AWS returns them (`[{Key, Value}]`) or as a plain map. */
function tagMap(value: unknown): Record<string, unknown> | undefined {
  if (Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const t of value) {
      const rec = asRecord(t);
      if (rec && typeof rec.Key === 'string') out[rec.Key] = rec.Value;
    }
    return out;
  }
  return asRecord(value);
}

function lookup(sources: Record<string, unknown>[], keys: readonly string[]): string | undefined {
  for (const src of sources) {
    for (const k of keys) {
      for (const candidate of [k, ...LABEL_PREFIXES.map((p) => `${p}${k}`)]) {
        const v = src[candidate];
        if (typeof v === 'string' && v !== '') return v;
      }
    }
  }
  return undefined;
}

/** `repo@sha256:…` → `sha256:…`; a bare digest stays as it is. */
function digestPart(ref: string): string {
  const at = ref.lastIndexOf('@');
  return at >= 0 ? ref.slice(at + 1) : ref;
}

/**
 * The content digest of a docker image: the verdict's own, else the repo digest the engine
 * reported when it was tested, else the one a promotion pushed it as. An image built locally
 * and never pushed has none (its ID is the config digest, shown as the ID).
 */
function dockerDigest(
  v: Verdict,
  target: Record<string, unknown>,
  pushed: readonly string[],
): string | undefined {
  const repoDigests = target.repoDigests;
  const fromTarget = Array.isArray(repoDigests)
    ? repoDigests.find((d): d is string => typeof d === 'string' && d.includes('@'))
    : undefined;
  const found = fromTarget ?? pushed.find((d) => d !== '');
  return found === undefined || v.artifact.kind !== 'docker-image' ? undefined : digestPart(found);
}

export function identityOf(
  v: Verdict,
  extraRegions: readonly string[],
  pushedDigests: readonly string[] = [],
): Identity {
  const art = v.artifact as unknown as Record<string, unknown>;
  const target = asRecord(v.target) ?? {};
  const sources: Record<string, unknown>[] = [art, target];
  for (const holder of [art, target]) {
    for (const k of TAG_CONTAINERS) {
      const tags = tagMap(holder[k]);
      if (tags) sources.push(tags);
    }
  }
  const regions = [...new Set([...(v.artifact.region ? [v.artifact.region] : []), ...extraRegions])].sort();
  const id: Identity = {
    kind: v.artifact.kind,
    id: v.artifact.id,
    reference: v.artifact.reference,
    regions,
  };
  const digest = v.artifact.digest || dockerDigest(v, target, pushedDigests);
  if (digest) id.digest = digest;
  if (v.image) id.image = v.image;
  if (v.template) id.template = v.template;
  if (v.git) id.git = v.git;
  const buildTime = lookup(sources, BUILD_TIME_KEYS);
  if (buildTime) id.buildTime = buildTime;
  const baseOs = lookup(sources, BASE_OS_KEYS);
  if (baseOs) id.baseOs = baseOs;
  // The builder is who built it (the stamp a template writes, e.g. `dev.imagegate.builder`);
  // the Packer build that made it (`docker.web`) is a different fact, kept beside it.
  const builder = lookup(sources.slice(2), BUILDER_KEYS) ?? lookup([target], BUILDER_KEYS);
  if (builder) id.builder = builder;
  if (v.artifact.builder) id.packerBuild = v.artifact.builder;
  return id;
}
