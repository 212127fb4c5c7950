import type { Expr } from '../../template/model.js';
import { type CheckModule, compileRegex, fill } from '../check-api.js';
import { globMatch, hasSourceOf, items, literal, lookup, type Scalar } from '../query.js';
import type { Hit } from '../types.js';

/**
 * A source attribute has a value the policy forbids: `equals` one of a list, `matches` a
 * regex, or (with `literal: true`) is any value written literally. Values that are only known
 * at build time (variables, functions) never match: lint does not guess.
 */
export interface SourceAttributeParams {
  builders: string[];
  /** Dotted path through nested blocks/objects: `metadata_options.http_tokens`. */
  attribute: string;
  equals?: Scalar | Scalar[];
  matches?: string;
  literal?: boolean;
  /** Placeholders: {source}, {attribute}, {value}. */
  message: string;
}

export const sourceAttribute: CheckModule<SourceAttributeParams> = {
  applies: (p, template) => hasSourceOf(template, p.builders),
  prepare(p) {
    const path = p.attribute.split('.');
    const re = p.matches === undefined ? undefined : compileRegex(p.matches, 'matches');
    const equals =
      p.equals === undefined ? undefined : (Array.isArray(p.equals) ? p.equals : [p.equals]).map(String);
    const matchValue = (expr: Expr): Scalar | undefined => {
      const v = literal(expr);
      if (v === undefined) return undefined;
      if (equals && !equals.includes(String(v))) return undefined;
      if (re && !re.test(String(v))) return undefined;
      if (p.literal && (v === '' || v === null)) return undefined;
      return v;
    };
    const anyCondition = equals !== undefined || re !== undefined || p.literal === true;
    return (template) => {
      const hits: Hit[] = [];
      for (const source of template.sources) {
        if (!globMatch(p.builders, source.type)) continue;
        const found = lookup(source.body, path);
        if (!found) continue;
        const vars = { source: `${source.type}.${source.name}`, attribute: p.attribute };
        if (!anyCondition || !found.expr) {
          hits.push({ message: fill(p.message, { ...vars, value: '' }), pos: found.pos });
          continue;
        }
        for (const item of items(found.expr)) {
          const v = matchValue(item);
          if (v !== undefined)
            hits.push({ message: fill(p.message, { ...vars, value: String(v) }), pos: item.pos });
        }
      }
      return hits;
    };
  },
};
