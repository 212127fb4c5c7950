import { type CheckModule, fill } from '../check-api.js';
import { buildSources, globMatch, header } from '../query.js';
import type { Hit } from '../types.js';

/**
 * Post-processors that only make sense for some builder types (`docker-tag` needs a docker
 * artifact) in a build that also has other sources, with neither `only` nor `except`.
 */
export interface PostProcessorUnscopedParams {
  types: string[];
  sourceTypes: string[];
  /** Placeholders: {type}, {others} (the other sources). */
  message: string;
}

export const postProcessorUnscoped: CheckModule<PostProcessorUnscopedParams> = {
  applies: (p, template) =>
    template.builds.some((b) => b.postProcessorChains.some((c) => c.some((pp) => p.types.includes(pp.type)))),
  prepare(p) {
    return (template) => {
      const hits: Hit[] = [];
      for (const build of template.builds) {
        const others = buildSources(template, build).filter((s) => !globMatch(p.sourceTypes, s.type));
        if (others.length === 0) continue;
        for (const chain of build.postProcessorChains) {
          for (const pp of chain) {
            if (!p.types.includes(pp.type) || pp.only.length > 0 || pp.except.length > 0) continue;
            const names = others.map((s) => `${s.type}.${s.name}`).join(', ');
            hits.push({
              message: fill(p.message, { type: pp.type, others: names }),
              pos: header(pp.pos),
            });
          }
        }
      }
      return hits;
    };
  },
};
