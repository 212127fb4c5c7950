import { MatchError } from './core.js';

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/**
 * Compile a Go (RE2) regular expression as a JavaScript one. The RE2 spellings JavaScript lacks
 * are translated: `(?P<name>` groups, leading flag groups such as `(?i)`, `\A` and `\z`, and
 * POSIX classes like `[[:digit:]]`. RE2 has no backreferences or lookaround, so anything else
 * valid in RE2 means the same in JavaScript.
 */
export function goRegex(source: string): RegExp {
  let src = source;
  let flags = 'u';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'U')
        throw new MatchError(`error parsing regexp: flag U (ungreedy) is not supported: ${source}`);
      if (!flags.includes(f)) flags += f;
    }
    src = src.slice(lead[0].length);
  }
  src = src
    .replace(/\(\?P</g, '(?<')
    .replace(/\[:(\^?)([a-z]+):\]/g, (m, neg: string, name: string) => {
      const cls = POSIX_CLASSES[name];
      if (!cls) return m;
      // Inside a bracket expression; a negated POSIX class only works as the whole expression.
      return neg ? `^${cls}` : cls;
    })
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '(?![\\s\\S])');
  try {
    return new RegExp(src, flags);
  } catch {
    try {
      // Without `u`, escapes such as `\-` outside a class are accepted, as in RE2.
      return new RegExp(src, flags.replace('u', ''));
    } catch (err) {
      throw new MatchError(`error parsing regexp: ${(err as Error).message}`);
    }
  }
}
