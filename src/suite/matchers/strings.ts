import { invalidArg, type Matcher, simple } from './core.js';
import { goRegex } from './regex.js';
import { toStringT, withTransform } from './transform.js';

/** String matchers: the fact is converted to a string first (goss's to-string). */
export function stringMatcher(name: string, value: unknown): Matcher {
  if (typeof value !== 'string') throw invalidArg(name, 'string', value);
  return withTransform(toStringT, build(name, value));
}

function build(name: string, v: string): Matcher {
  switch (name) {
    case 'have-prefix':
      return simple(name, 'to have prefix', v, (a) => String(a).startsWith(v));
    case 'have-suffix':
      return simple(name, 'to have suffix', v, (a) => String(a).endsWith(v));
    case 'contain-substring':
      return simple(name, 'to contain substring', v, (a) => String(a).includes(v));
    default: {
      const re = goRegex(v);
      return simple(name, 'to match regular expression', v, (a) => re.test(String(a)));
    }
  }
}

export const STRING_MATCHERS = ['have-prefix', 'have-suffix', 'contain-substring', 'match-regexp'];
