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
  /**
   * Post-processors that make an artifact of the wanted kind from any other (`docker-import`
   * turns a file, e.g. from `artifice`, into a docker image): later ones in the chain are fine.
   */
  producers?: string[];
  /** Placeholders: {type}, {others} (the other sources). */
  message: string;
  /** When the build has none of `sourceTypes` (scoping cannot help). Placeholders as `message`. */
  messageNoSource?: string;
}

export const postProcessorUnscoped: CheckModule<PostProcessorUnscopedParams> = {
  applies: (p, template) =>
    template.builds.some((b) => b.postProcessorChains.some((c) => c.some((pp) => p.types.includes(pp.type)))),
  prepare(p) {
    return (template) => {
      const hits: Hit[] = [];
      for (const build of template.builds) {
        const sources = buildSources(template, build);
        const others = sources.filter((s) => !globMatch(p.sourceTypes, s.type));
        if (others.length === 0) continue;
        const message = others.length === sources.length ? (p.messageNoSource ?? p.message) : p.message;
        for (const chain of build.postProcessorChains) {
          // Once a producer ran, the chain carries its artifact, whatever the source was.
          const first = chain.findIndex((pp) => (p.producers ?? []).includes(pp.type));
          for (const pp of first === -1 ? chain : chain.slice(0, first)) {
            if (!p.types.includes(pp.type) || pp.only.length > 0 || pp.except.length > 0) continue;
            const names = others.map((s) => `${s.type}.${s.name}`).join(', ');
            hits.push({
              message: fill(message, { type: pp.type, others: names }),
              pos: header(pp.pos),
            });
          }
        }
      }
      return hits;
    };
  },
};
