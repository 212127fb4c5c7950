import { MatchError } from './core.js';

/**
 * Compile a Go (RE2) regular expression as a JavaScript one. The common RE2 spellings that
 * differ are translated: `(?P<name>` groups and leading flag groups such as `(?i)`. RE2 has no
 * backreferences or lookaround, so anything valid in RE2 and not listed here means the same.
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
  src = src.replace(/\(\?P</g, '(?<');
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
