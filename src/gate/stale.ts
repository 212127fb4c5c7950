import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageEntry } from '../config/images.js';
import type { BaseImage } from '../evidence/verdict.js';
import { claimedArtifact } from '../promote/eligibility.js';
import { readPromotionLines } from '../promote/records.js';
import type { Expr, Template } from '../template/model.js';
import { attr, stringValue } from '../template/packer-blocks.js';

/**
 * `plan --stale`: which images were last promoted from a base that their template would no
 * longer pick. The template's `source_ami_filter` (or docker `image` tag) is resolved again and
 * compared with the base recorded in the verdict of the image's newest promotion.
 */

/** How one builder of the template finds its base today. */
export type BaseQuery =
  | {
      kind: 'ami';
      source: string;
      region?: string;
      owners: string[];
      filters: { Name: string; Values: string[] }[];
    }
  | { kind: 'docker-image'; source: string; reference: string };

/** Docker base tags by build name, for builds that do not say what they pulled. */
export function dockerBaseRefs(template: Template, only: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const q of baseQueries(template, only).queries)
    if (q.kind === 'docker-image') out[q.source] = q.reference;
  return out;
}

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

/** A string the template spells literally, or through a variable with a literal default. */
function literal(expr: Expr | undefined, template: Template): string | undefined {
  if (!expr) return undefined;
  const direct = stringValue(expr);
  if (direct !== undefined) return direct;
  if (expr.kind === 'reference' && expr.path[0] === 'var' && expr.path.length === 2) {
    return stringValue(template.variables.find((v) => v.name === expr.path[1])?.default);
  }
  return undefined;
}

function literalList(expr: Expr | undefined, template: Template): string[] | undefined {
  if (!expr) return [];
  if (expr.kind !== 'tuple') {
    const one = literal(expr, template);
    return one === undefined ? undefined : [one];
  }
  const items = expr.items.map((i) => literal(i, template));
  return items.every((i) => i !== undefined) ? (items as string[]) : undefined;
}

/**
 * The base queries of the builders an image builds (its `only`, or all). A builder whose filter
 * or tag is computed (beyond `var.x` with a literal default) yields a problem instead.
 */
export function baseQueries(
  template: Template,
  only: string[],
): { queries: BaseQuery[]; problems: string[] } {
  const queries: BaseQuery[] = [];
  const problems: string[] = [];
  for (const src of template.sources) {
    const name = `${src.type}.${src.name}`;
    if (only.length && !only.includes(name) && !only.includes(`source.${name}`)) continue;
    if (src.type.startsWith('amazon-')) {
      const filter = src.body.blocks.find((b) => b.type === 'source_ami_filter');
      // A fixed `source_ami` never moves on: nothing to check.
      if (!filter) continue;
      const filters: { Name: string; Values: string[] }[] = [];
      const raw = attr(filter, 'filters')?.value;
      let ok = raw?.kind === 'object';
      if (raw?.kind === 'object') {
        for (const e of raw.entries) {
          const values = literalList(e.value, template);
          if (values === undefined) ok = false;
          else filters.push({ Name: e.key, Values: values });
        }
      }
      const owners = literalList(attr(filter, 'owners')?.value, template);
      const regionExpr = attr(src.body, 'region')?.value;
      const region = literal(regionExpr, template);
      if (!ok || owners === undefined || (regionExpr && region === undefined)) {
        problems.push(`${name}: source_ami_filter or region is computed; cannot resolve it outside Packer`);
        continue;
      }
      queries.push({ kind: 'ami', source: name, owners, filters, ...(region ? { region } : {}) });
    } else if (src.type === 'docker') {
      const reference = literal(attr(src.body, 'image')?.value, template);
      if (reference === undefined)
        problems.push(`${name}: image is computed; cannot resolve it outside Packer`);
      else queries.push({ kind: 'docker-image', source: name, reference });
    }
  }
  return { queries, problems };
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
