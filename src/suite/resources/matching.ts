import type { ResourceDef } from './api.js';
import { value } from './api.js';

/** goss `matching`: `content` is matched locally against `matches`; nothing is collected. */
export const matching: ResourceDef = {
  type: 'matching',
  required: 'matches',
  attributes: [{ key: 'matches' }],
  options: ['content'],
  plan() {},
  facts(spec) {
    return { matches: value(spec.attrs.content ?? null) };
  },
};
