import type { Expr, Source, Template } from '../../template/model.js';
import { type CheckModule, fill } from '../check-api.js';
import { dereference, globMatch, hasSourceOf, header, literal, lookup } from '../query.js';
import type { Hit } from '../types.js';

/**
 * Image tags that trace an artifact back to its build (STOB: SHA, Time, OS, Builder). Each
 * required tag is satisfied by its name itself (the docs call them `SHA`, `Time`, `OS`,
 * `Builder`, so a tag literally named so counts) or any of its key spellings, compared case-
 * and punctuation-insensitively (`Git-SHA` = `git_sha`). Tags built from variables or functions
 * that lint cannot see into are given the benefit of the doubt.
 */
export interface TagsMissingParams {
  builders: string[];
  attribute: string;
  /** A plain key, or a named tag with accepted spellings. */
  requiredTags: (string | { name: string; anyOf: string[] })[];
  /** Placeholders: {source}, {missing}, {attribute}. */
  message: string;
}

const normalize = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Keys written in a tags expression, or undefined when some part is not knowable. */
function keysOf(template: Template, expr: Expr, depth = 0): string[] | undefined {
  const e = dereference(template, expr);
  if (depth > 8) return undefined;
  if (e.kind === 'object') return e.entries.map((x) => x.key);
  if (e.kind === 'call' && e.name === 'merge') {
    const parts = e.args.map((a) => keysOf(template, a, depth + 1));
    return parts.some((x) => x === undefined) ? undefined : (parts.flat() as string[]);
  }
  return undefined;
}

function tagKeys(template: Template, source: Source, attribute: string): string[] | undefined {
  const keys: string[] = [];
  const found = lookup(source.body, attribute.split('.'));
  if (found?.expr) {
    const k = keysOf(template, found.expr);
    if (k === undefined) return undefined;
    keys.push(...k);
  }
  // HCL2 also allows repeated `tag { key = … value = … }` blocks (amazon plugin); dynamic
  // keys make the set unknowable.
  for (const b of source.body.blocks.filter((x) => x.type === 'tag')) {
    const key = literal(b.attributes.find((a) => a.name === 'key')?.value);
    if (typeof key !== 'string') return undefined;
    keys.push(key);
  }
  return keys;
}

export const tagsMissing: CheckModule<TagsMissingParams> = {
  applies: (p, template) => hasSourceOf(template, p.builders),
  prepare(p) {
    const required = p.requiredTags.map((t) =>
      typeof t === 'string'
        ? { name: t, keys: [normalize(t)] }
        : { name: t.name, keys: [t.name, ...t.anyOf].map(normalize) },
    );
    return (template) => {
      const hits: Hit[] = [];
      for (const source of template.sources) {
        if (!globMatch(p.builders, source.type)) continue;
        const keys = tagKeys(template, source, p.attribute);
        if (keys === undefined) continue;
        const have = new Set(keys.map(normalize));
        const missing = required.filter((r) => !r.keys.some((k) => have.has(k))).map((r) => r.name);
        if (missing.length === 0) continue;
        const found = lookup(source.body, p.attribute.split('.'));
        hits.push({
          message: fill(p.message, {
            source: `${source.type}.${source.name}`,
            missing: missing.join(', '),
            attribute: p.attribute,
          }),
          pos: found ? header(found.pos) : header(source.pos),
        });
      }
      return hits;
    };
  },
};
