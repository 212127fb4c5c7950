import { type CheckModule, fill } from '../check-api.js';
import type { Hit } from '../types.js';

/**
 * `required_plugins` entries whose version constraint has no upper bound (`>= 1.0`), or no
 * version at all: the next `packer init` may pull a new major version. Bounded means `<`,
 * `<=`, `~>`, `=` or a bare version. Only judges blocks that exist.
 */
export interface PluginVersionUnboundedParams {
  /** Placeholders: {plugin}, {version}. */
  message: string;
}

const BOUNDING = new Set(['<', '<=', '~>', '=', '']);

export function isBounded(constraint: string): boolean {
  return constraint
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '')
    .some((c) => BOUNDING.has(/^(>=|<=|!=|~>|>|<|=)?/.exec(c)?.[1] ?? ''));
}

export const pluginVersionUnbounded: CheckModule<PluginVersionUnboundedParams> = {
  applies: (_p, template) => template.requiredPlugins.length > 0,
  prepare(p) {
    return (template) => {
      const hits: Hit[] = [];
      for (const plugin of template.requiredPlugins) {
        if (plugin.version !== undefined && isBounded(plugin.version)) continue;
        hits.push({
          message: fill(p.message, { plugin: plugin.name, version: plugin.version ?? '(none)' }),
          pos: plugin.pos,
        });
      }
      return hits;
    };
  },
};
