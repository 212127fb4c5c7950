import { goPrint } from '../go-template.js';
import { linesFact } from '../matchers/api.js';
import type { ResourceDef } from './api.js';
import { value } from './api.js';

/**
 * goss `matching`: `content` is matched locally against `matches`; nothing is collected. With
 * `as-reader: true` goss turns the content into text (`fmt.Sprintf("%v")`) read as a stream,
 * so a list of patterns matches its lines and any other matcher the whole text.
 */
export const matching: ResourceDef = {
  type: 'matching',
  required: 'matches',
  attributes: [{ key: 'matches' }],
  options: ['content', 'as-reader'],
  plan() {},
  facts(spec) {
    const content = spec.attrs.content ?? null;
    return { matches: value(spec.attrs['as-reader'] === true ? linesFact(goPrint(content)) : content) };
  },
};
