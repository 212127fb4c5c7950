import type { Expr, Source } from '../../template/model.js';
import { type CheckModule, fill } from '../check-api.js';
import { globMatch, header, literal, lookup, type Scalar } from '../query.js';
import type { Hit } from '../types.js';

/**
 * A source lacks an attribute the policy requires, or sets it to a literal other than
 * `expected`. `when` limits the check to sources that have some other attribute/block
 * (`owners` matters only inside a `source_ami_filter`); `unless` lists settings that make
 * the requirement moot (an existing security group instead of a temporary one).
 */
export interface SourceAttributeMissingParams {
  builders: string[];
  attribute: string;
  expected?: Scalar | Scalar[];
  when?: string;
  unless?: { attribute: string; equals?: Scalar | Scalar[] }[];
  /** Placeholders: {source}, {attribute}, {value} (the wrong literal, when set). */
  message: string;
}

export const sourceAttributeMissing: CheckModule<SourceAttributeMissingParams> = {
  // `when` is part of what is judged: owners of a source_ami_filter mean nothing without one.
  applies: (p, template) =>
    template.sources.some(
      (s) =>
        globMatch(p.builders, s.type) &&
        (p.when === undefined || lookup(s.body, p.when.split('.')) !== undefined),
    ),
  prepare(p) {
    const path = p.attribute.split('.');
    const when = p.when?.split('.');
    const expected = p.expected === undefined ? undefined : asList(p.expected);
    const unless = (p.unless ?? []).map((u) => ({
      path: u.attribute.split('.'),
      equals: u.equals === undefined ? undefined : asList(u.equals),
    }));
    const moot = (source: Source) =>
      unless.some((u) => {
        const found = lookup(source.body, u.path);
        if (!found) return false;
        if (!u.equals) return true;
        const v = literal(found.expr);
        return v !== undefined && u.equals.includes(String(v));
      });
    return (template) => {
      const hits: Hit[] = [];
      for (const source of template.sources) {
        if (!globMatch(p.builders, source.type)) continue;
        let anchor = source.pos;
        if (when) {
          const w = lookup(source.body, when);
          if (!w) continue;
          anchor = w.pos;
        }
        if (moot(source)) continue;
        const vars = { source: `${source.type}.${source.name}`, attribute: p.attribute };
        const found = lookup(source.body, path);
        if (!found || isEmpty(found.expr)) {
          hits.push({ message: fill(p.message, { ...vars, value: '' }), pos: found?.pos ?? header(anchor) });
          continue;
        }
        if (!expected) continue;
        const v = literal(found.expr);
        if (v !== undefined && !expected.includes(String(v))) {
          hits.push({ message: fill(p.message, { ...vars, value: String(v) }), pos: found.pos });
        }
      }
      return hits;
    };
  },
};

function asList(v: Scalar | Scalar[]): string[] {
  return (Array.isArray(v) ? v : [v]).map(String);
}

function isEmpty(expr: Expr | undefined): boolean {
  if (!expr) return false;
  if (expr.kind === 'tuple') return expr.items.length === 0;
  const v = literal(expr);
  return v === '' || v === null;
}
