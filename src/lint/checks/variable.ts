import { type CheckModule, compileRegex, fill } from '../check-api.js';
import { header } from '../query.js';
import type { Hit } from '../types.js';

/**
 * Variables (and optionally locals) whose name matches a pattern and whose `sensitive` flag
 * equals `sensitive` (`sensitive: false` reports secret-looking variables not marked so).
 */
export interface VariableParams {
  nameMatches: string;
  nameExcludes?: string;
  sensitive: boolean;
  includeLocals?: boolean;
  /** Placeholders: {name}, {kind} (variable | local). */
  message: string;
}

export const variable: CheckModule<VariableParams> = {
  applies: (p, template) =>
    template.variables.length > 0 || (p.includeLocals === true && template.locals.length > 0),
  prepare(p) {
    const include = compileRegex(p.nameMatches, 'nameMatches');
    const exclude = p.nameExcludes === undefined ? undefined : compileRegex(p.nameExcludes, 'nameExcludes');
    const wanted = (name: string) => include.test(name) && !exclude?.test(name);
    return (template) => {
      const hits: Hit[] = [];
      const candidates = [
        ...template.variables.map((v) => ({ ...v, kind: 'variable' })),
        ...(p.includeLocals ? template.locals.map((l) => ({ ...l, kind: 'local' })) : []),
      ];
      for (const v of candidates) {
        if (!wanted(v.name) || v.sensitive !== p.sensitive) continue;
        hits.push({
          message: fill(p.message, { name: v.name, kind: v.kind }),
          pos: header(v.pos),
        });
      }
      return hits;
    };
  },
};
