import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageEntry } from '../config/images.js';
import { UserError } from '../core/errors.js';
import type { BaseImage } from '../evidence/verdict.js';
import { claimedArtifact } from '../promote/eligibility.js';
import { readPromotionLines } from '../promote/records.js';
import type { Template } from '../template/model.js';
import { type BaseQuery, baseQueries } from './base-queries.js';

/**
 * `plan --stale`: which images were last promoted from a base that their template would no
 * longer pick. The template's `source_ami_filter` (or docker `image` tag) is resolved again and
 * compared with the base recorded in the verdict of the image's newest promotion.
 */

export interface PromotedBase {
  image: string;
  stage: string;
  at: string;
  artifactId: string;
  /** Undefined for verdicts written before bases were recorded. */
  base?: BaseImage;
}

export interface StaleRow {
  image: string;
  status: 'stale' | 'current' | 'unknown';
  /** One line: what moved (`ami-old → ami-new`) or why it cannot be told. */
  detail: string;
}

/**
 * Per image, the newest promotion and the base its verdict recorded. Promotion lines and verdicts
 * are read as claims, without verifying signatures: this only decides what to rebuild, and a
 * rebuild goes through the gate like any other.
 */
export function lastPromotedBases(stateDir: string): Map<string, PromotedBase> {
  const verdicts = new Map<string, Buffer>();
  const dir = join(stateDir, 'verdicts');
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    // No verdicts yet: every image is unknown.
  }
  for (const n of names) {
    try {
      const bytes = readFileSync(join(dir, n));
      verdicts.set(createHash('sha256').update(bytes).digest('hex'), bytes);
    } catch {
      // Unreadable: its promotion simply finds no verdict.
    }
  }
  const out = new Map<string, PromotedBase>();
  for (const line of readPromotionLines(stateDir)) {
    const bytes = verdicts.get(line.attestationSha256);
    const verdict = bytes ? claimedArtifact(bytes)?.verdict : undefined;
    if (!verdict?.image) continue;
    const prev = out.get(verdict.image);
    if (prev && prev.at > line.at) continue;
    out.set(verdict.image, {
      image: verdict.image,
      stage: line.stage,
      at: line.at,
      artifactId: line.artifact.id,
      ...(verdict.base ? { base: verdict.base } : {}),
    });
  }
  return out;
}

/** What a query resolves to now: an AMI id, or a docker manifest digest (`sha256:…`). */
export type Resolved = { ok: true; id: string } | { ok: false; why: string };

/** Compare the promoted base with what each query resolves to now. Pure. */
export function judge(
  image: string,
  promoted: PromotedBase | undefined,
  resolved: { query: BaseQuery; now: Resolved }[],
  problems: string[],
): StaleRow {
  const unknown = (detail: string): StaleRow => ({ image, status: 'unknown', detail });
  if (!promoted) return unknown('never promoted');
  const base = promoted.base;
  if (!base) return unknown(`unknown base: the verdict of ${promoted.artifactId} predates base recording`);
  const match = resolved.find((r) => r.query.kind === base.kind);
  if (!match) {
    if (problems.length) return unknown(problems[0]!);
    return unknown(
      `the template no longer has a ${base.kind === 'ami' ? 'source_ami_filter' : 'docker'} builder`,
    );
  }
  if (!match.now.ok) return unknown(`${match.query.source}: ${match.now.why}`);
  if (base.kind === 'ami') {
    if (!base.id) return unknown('unknown base: no AMI id recorded');
    return base.id === match.now.id
      ? { image, status: 'current', detail: `base ${base.id}` }
      : { image, status: 'stale', detail: `base ${base.id} → ${match.now.id} (${match.query.source})` };
  }
  const was = base.digest?.split('@')[1];
  if (!was)
    return unknown(`unknown base: ${base.reference ?? 'the docker base'} was not pulled from a registry`);
  const ref = match.query.kind === 'docker-image' ? match.query.reference : '';
  return was === match.now.id
    ? { image, status: 'current', detail: `base ${ref}@${was}` }
    : {
        image,
        status: 'stale',
        detail: `base ${ref} moved ${was.slice(0, 19)} → ${match.now.id.slice(0, 19)}`,
      };
}

export interface StaleDeps {
  loadTemplate(path: string): Promise<Template>;
  /** Newest AMI matching the filter in the region (Packer's most_recent). */
  newestAmi(query: Extract<BaseQuery, { kind: 'ami' }>, region: string): Promise<string | undefined>;
  /** The registry's current manifest digest for a tag. */
  dockerDigest(reference: string): Promise<string>;
}

/** Judge every image; resolution failures become `unknown` rows naming the reason. */
export async function staleImages(
  images: ImageEntry[],
  stateDir: string,
  deps: StaleDeps,
  opts: { region?: string } = {},
): Promise<StaleRow[]> {
  // A mistyped --out would otherwise report every image as never promoted.
  if (!existsSync(stateDir)) {
    throw new UserError(
      `--out ${stateDir}: no such directory: pass the directory gate wrote verdicts/ and promotions.jsonl to`,
    );
  }
  const promoted = lastPromotedBases(stateDir);
  const rows: StaleRow[] = [];
  for (const img of images) {
    const p = promoted.get(img.name);
    if (!p?.base) {
      rows.push(judge(img.name, p, [], []));
      continue;
    }
    const { queries, problems } = baseQueries(await deps.loadTemplate(img.template), img.only);
    const resolved: { query: BaseQuery; now: Resolved }[] = [];
    for (const query of queries.filter((q) => q.kind === p.base?.kind)) {
      resolved.push({ query, now: await resolve(query, p.base, deps, opts.region) });
    }
    rows.push(judge(img.name, p, resolved, problems));
  }
  return rows;
}

async function resolve(
  query: BaseQuery,
  base: BaseImage,
  deps: StaleDeps,
  fallbackRegion?: string,
): Promise<Resolved> {
  try {
    if (query.kind === 'docker-image') return { ok: true, id: await deps.dockerDigest(query.reference) };
    const region = query.region ?? base.region ?? fallbackRegion;
    if (!region) return { ok: false, why: 'no region in the template; pass --region' };
    const id = await deps.newestAmi(query, region);
    return id ? { ok: true, id } : { ok: false, why: `no AMI matches source_ami_filter in ${region}` };
  } catch (err) {
    return { ok: false, why: `cannot resolve (${(err as Error).message.split('\n')[0]})` };
  }
}
