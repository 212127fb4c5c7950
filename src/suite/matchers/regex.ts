import { RE2JS } from 're2js';
import { MatchError } from './core.js';

/**
 * A compiled Go (RE2) regular expression. Matching is linear in the input (RE2's guarantee), so
 * a pattern such as `^(a+)+$` cannot stall a run on hostile target data the way JavaScript's
 * backtracking engine does; the syntax is Go's (`\Q…\E`, `\pL`, `(?U)`, `(?P<name>…)`, POSIX
 * classes) and so are the error messages ("error parsing regexp: …").
 */
export interface GoRegex {
  readonly source: string;
  /** True when the expression matches anywhere in `s` (Go's MatchString). */
  test(s: string): boolean;
  /** Go's FindStringSubmatch with names: null, or the whole match and each group ('' when unset). */
  submatch(s: string): { groups: string[]; names: Map<string, number> } | null;
}

export function goRegex(source: string): GoRegex {
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (err) {
    throw new MatchError((err as Error).message);
  }
  return {
    source,
    test: (s) => re.matcher(s).find(),
    submatch: (s) => {
      const m = re.matcher(s);
      if (!m.find()) return null;
      const groups: string[] = [];
      for (let i = 0; i <= re.groupCount(); i++) groups.push(m.group(i) ?? '');
      return { groups, names: new Map(Object.entries(re.namedGroups() as Record<string, number>)) };
    },
  };
}
