import { type CheckModule, fill } from '../check-api.js';
import { header } from '../query.js';
import type { Hit } from '../types.js';

/** A build has no post-processor of the given types in any chain. */
export interface PostProcessorMissingParams {
  types: string[];
  /**
   * Post-processors that already write the artifact to a place the template names (`vagrant`
   * writes the box to its `output`): a build with one is not reported.
   */
  unlessPostProcessors?: string[];
  /** Placeholders: {build}. */
  message: string;
}

export const postProcessorMissing: CheckModule<PostProcessorMissingParams> = {
  applies: (_p, template) => template.builds.length > 0,
  prepare(p) {
    return (template) => {
      const hits: Hit[] = [];
      for (const build of template.builds) {
        const present = build.postProcessorChains.some((chain) =>
          chain.some((pp) => p.types.includes(pp.type) || (p.unlessPostProcessors ?? []).includes(pp.type)),
        );
        if (!present) {
          hits.push({
            message: fill(p.message, { build: build.name ?? '(unnamed)' }),
            pos: header(build.pos),
          });
        }
      }
      return hits;
    };
  },
};
