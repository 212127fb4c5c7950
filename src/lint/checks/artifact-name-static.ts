import type { Expr, Template } from '../../template/model.js';
import { type CheckModule, compileRegex, fill } from '../check-api.js';
import { dereference, globMatch, hasSourceOf, lookup } from '../query.js';
import type { Hit } from '../types.js';

/**
 * An artifact name (AMI name, image name) with nothing that changes between builds: the
 * second build fails ("AMI name already in use") or overwrites the first. Unique parts are
 * calls such as `timestamp()`, legacy `{{timestamp}}`-style text, and variables (CI sets them
 * per build). Locals are followed; anything else unknown is given the benefit of the doubt.
 */
export interface ArtifactNameStaticParams {
  attributes: { builders: string[]; attribute: string }[];
  uniqueFunctions: string[];
  /** Regex over literal text, for legacy template functions: `\{\{\s*(timestamp|isotime|uuid)`. */
  uniqueText: string;
  variablesAreUnique: boolean;
  /**
   * Regex over literal text that marks the template as itself generated (`%s` filled by a
   * test harness): the name is not what gets built, so it is not judged.
   */
  placeholderText?: string;
  /** Placeholders: {source}, {attribute}, {value}. */
  message: string;
}

export const artifactNameStatic: CheckModule<ArtifactNameStaticParams> = {
  applies: (p, template) => p.attributes.some((a) => hasSourceOf(template, a.builders)),
  prepare(p) {
    const text = compileRegex(p.uniqueText, 'uniqueText');
    const placeholder =
      p.placeholderText === undefined ? undefined : compileRegex(p.placeholderText, 'placeholderText');
    const callInSource = new RegExp(
      `\\b(${p.uniqueFunctions.map((f) => f.replace(/\W/g, '')).join('|')})\\s*\\(`,
    );
    const unique = (template: Template, expr: Expr, depth: number): boolean => {
      if (depth > 8) return true;
      const e = dereference(template, expr);
      if (e !== expr) return unique(template, e, depth + 1);
      switch (e.kind) {
        case 'literal':
          return text.test(String(e.value)) || (placeholder?.test(String(e.value)) ?? false);
        case 'template':
          return e.parts.some((part) =>
            part.kind === 'text'
              ? text.test(part.text) || (placeholder?.test(part.text) ?? false)
              : unique(template, part.expr, depth + 1),
          );
        case 'reference':
          // `local.*` that did not resolve, `var.*`, `source.name`, `build.*`: not literal text.
          return e.path[0] !== 'var' || p.variablesAreUnique;
        case 'call':
          // Legacy JSON actions are calls too (``{{user `name`}}``, `{{isotime}}`): `uniqueText`
          // says which of them change per build, as it does for them written as text.
          return (
            p.uniqueFunctions.includes(e.name) ||
            text.test(e.source) ||
            e.args.some((a) => unique(template, a, depth + 1))
          );
        case 'tuple':
          return e.items.some((i) => unique(template, i, depth + 1));
        case 'object':
          return e.entries.some((en) => unique(template, en.value, depth + 1));
        case 'other':
          return (
            callInSource.test(e.source) ||
            text.test(e.source) ||
            (p.variablesAreUnique && /\bvar\./.test(e.source)) ||
            /\blocal\./.test(e.source)
          );
      }
    };
    return (template) => {
      const hits: Hit[] = [];
      for (const source of template.sources) {
        for (const spec of p.attributes) {
          if (!globMatch(spec.builders, source.type)) continue;
          const found = lookup(source.body, spec.attribute.split('.'));
          if (!found?.expr || unique(template, found.expr, 0)) continue;
          hits.push({
            message: fill(p.message, {
              source: `${source.type}.${source.name}`,
              attribute: spec.attribute,
              value: found.expr.source,
            }),
            pos: found.pos,
          });
        }
      }
      return hits;
    };
  },
};
