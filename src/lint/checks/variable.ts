import { type CheckModule, compileRegex, fill } from '../check-api.js';
import { globMatch, header, literal } from '../query.js';
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
  /**
   * Skip values that cannot hold a secret: variables typed `bool`/`number` (or with such a
   * default: `vnc_disable_password = true` is a switch), and the throwaway passwords of local
   * VM builds (`vagrant`), which are public and reported by build-password-throwaway.
   */
  unlessNotSecret?: { types: string[]; throwaway?: { values: string[]; builders: string[] } };
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
      const skip = p.unlessNotSecret;
      const localOnly =
        skip?.throwaway !== undefined &&
        template.sources.length > 0 &&
        template.sources.every((s) => globMatch(skip.throwaway!.builders, s.type));
      const notSecret = (v: (typeof candidates)[number]): boolean => {
        if (skip === undefined) return false;
        const expr = 'default' in v ? v.default : 'value' in v ? v.value : undefined;
        const value = literal(expr);
        const type = 'type' in v ? v.type?.source : undefined;
        if (type !== undefined && skip.types.includes(type)) return true;
        if (typeof value === 'boolean' || typeof value === 'number') return true;
        if (value === 'true' || value === 'false') return true;
        return localOnly && typeof value === 'string' && (skip.throwaway?.values ?? []).includes(value);
      };
      for (const v of candidates) {
        if (!wanted(v.name) || v.sensitive !== p.sensitive) continue;
        if (notSecret(v)) continue;
        hits.push({
          message: fill(p.message, { name: v.name, kind: v.kind }),
          pos: header(v.pos),
        });
      }
      return hits;
    };
  },
};
