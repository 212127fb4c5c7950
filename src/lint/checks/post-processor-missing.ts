import type { Build, Template } from '../../template/model.js';
import { type CheckModule, fill } from '../check-api.js';
import { buildSources, globMatch, header } from '../query.js';
import type { Hit } from '../types.js';

/** A build has no post-processor of the given types in any chain. */
export interface PostProcessorMissingParams {
  types: string[];
  /**
   * Post-processors that already write the artifact to a place the template names (`vagrant`
   * writes the box to its `output`): a build with one is not reported.
   */
  unlessPostProcessors?: string[];
  /** Builders that make no artifact (`null`): a build of only those is not judged. */
  exceptBuilders?: string[];
  /** Placeholders: {build}. */
  message: string;
}

export const postProcessorMissing: CheckModule<PostProcessorMissingParams> = {
  applies: (p, template) => template.builds.some((b) => makesArtifact(p, template, b)),
  prepare(p) {
    return (template) => {
      const hits: Hit[] = [];
      for (const build of template.builds) {
        if (!makesArtifact(p, template, build)) continue;
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

/** A build with a source that makes an artifact (or whose sources lint cannot resolve). */
function makesArtifact(p: PostProcessorMissingParams, template: Template, build: Build): boolean {
  const sources = buildSources(template, build);
  return sources.length === 0 || sources.some((s) => !globMatch(p.exceptBuilders ?? [], s.type));
}
