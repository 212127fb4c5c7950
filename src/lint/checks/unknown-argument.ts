import type { Block, Position } from '../../template/model.js';
import { type CheckModule, fill } from '../check-api.js';
import { header } from '../query.js';
import type { Hit } from '../types.js';

/**
 * Arguments a builder, provisioner or post-processor does not have (`instnace_type`): Packer
 * rejects them, lint names the closest known one. The known arguments are data, generated from
 * the plugins' configuration specs (scripts/gen-packer-arguments.mjs); types not listed are not
 * judged, and only top-level arguments and blocks are.
 */
export interface UnknownArgumentParams {
  builders: Record<string, string[]>;
  provisioners: Record<string, string[]>;
  postProcessors: Record<string, string[]>;
  /** Arguments Packer handles itself, for every type of a kind (`only`, `pause_before`, …). */
  common: { builders: string[]; provisioners: string[]; postProcessors: string[] };
  /** Placeholders: {kind}, {type}, {name}, {suggestion} (` (did you mean "x"?)` or empty). */
  message: string;
}

export const unknownArgument: CheckModule<UnknownArgumentParams> = {
  applies: (p, template) =>
    template.sources.some((s) => s.type in p.builders) ||
    template.builds.some(
      (b) =>
        b.provisioners.some((x) => x.type in p.provisioners) ||
        b.postProcessorChains.some((c) => c.some((x) => x.type in p.postProcessors)),
    ),
  prepare(p) {
    const sets = (table: Record<string, string[]>, common: string[]) =>
      new Map(Object.entries(table).map(([type, names]) => [type, new Set([...names, ...common])]));
    const kinds = {
      source: sets(p.builders, p.common.builders),
      provisioner: sets(p.provisioners, p.common.provisioners),
      'post-processor': sets(p.postProcessors, p.common.postProcessors),
    };
    return (template) => {
      const hits: Hit[] = [];
      const check = (kind: keyof typeof kinds, type: string, body: Block) => {
        const known = kinds[kind].get(type);
        if (known === undefined) return;
        const seen: { name: string; pos: Position }[] = [
          ...body.attributes.map((a) => ({ name: a.name, pos: a.pos })),
          // `dynamic "x" { … }` generates blocks named by its label.
          ...body.blocks.map((b) => ({
            name: b.type === 'dynamic' ? (b.labels[0] ?? '') : b.type,
            pos: header(b.pos),
          })),
        ];
        for (const { name, pos } of seen) {
          // Legacy JSON comments (`_comment`, `//`) are ignored by Packer.
          if (known.has(name) || name.startsWith('_') || name.startsWith('//')) continue;
          const near = closest(name, known);
          const suggestion = near === undefined ? '' : ` (did you mean "${near}"?)`;
          hits.push({ message: fill(p.message, { kind, type, name, suggestion }), pos });
        }
      };
      for (const source of template.sources) check('source', source.type, source.body);
      for (const build of template.builds) {
        for (const prov of build.provisioners) check('provisioner', prov.type, prov.body);
        for (const chain of build.postProcessorChains)
          for (const pp of chain) check('post-processor', pp.type, pp.body);
      }
      return hits;
    };
  },
};

/** The known name nearest to `name` (optimal string alignment distance ≤ 2, and under a third of its length). */
export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    if (Math.abs(candidate.length - name.length) > 2) continue;
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= 2 && bestDistance * 3 < name.length ? best : undefined;
}

/** Levenshtein distance with adjacent transpositions (`instnace` → `instance` is 1). */
function distance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0]![j] = j;
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = v;
    }
  }
  return rows[a.length]![b.length]!;
}
