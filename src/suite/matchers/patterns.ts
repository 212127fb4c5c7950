import { goTypeName } from '../go-printf.js';
import { invalidArg, MatchError, type Matcher } from './core.js';
import { goRegex } from './regex.js';
import { toStringT, withTransform } from './transform.js';

/**
 * Line patterns, goss's default for file contents, command output and http bodies:
 *   `foo` some line contains foo; `!foo` no line does; `/re/` some line matches; `!/re/` none does.
 * A leading `\` escapes a literal `!` or `/` (`\\!foo` looks for `!foo`).
 */
interface LinePattern {
  pattern: string;
  inverse: boolean;
  test(line: string): boolean;
}

function parsePattern(p: string): LinePattern {
  const inverse = p.startsWith('!');
  if ((p.startsWith('/') || p.startsWith('!/')) && p.endsWith('/') && p.length > (inverse ? 2 : 1)) {
    let body = inverse ? p.slice(1) : p;
    if (body.startsWith('\\') || body.startsWith('/')) body = body.slice(1);
    if (body.endsWith('/')) body = body.slice(0, -1);
    const re = goRegex(body);
    return { pattern: p, inverse, test: (line) => re.test(line) };
  }
  // goss trims every leading `\`, `/` and `!` from a plain pattern.
  const clean = p.replace(/^[\\/!]+/, '');
  return { pattern: p, inverse, test: (line) => line.includes(clean) };
}

/** Lines as Go's bufio.Scanner yields them: no trailing empty line, `\r\n` tolerated. */
function scanLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

export function havePatterns(value: unknown): Matcher {
  if (!Array.isArray(value)) throw invalidArg('have-patterns', 'array', value);
  const patterns = value.map((v) => {
    if (typeof v !== 'string') {
      throw new MatchError(`HavePatterns matcher expects patterns to be a string. got: ${JSON.stringify(v)}`);
    }
    return parsePattern(v);
  });
  let missing: string[] = [];
  let found: string[] = [];
  return {
    match(actual) {
      if (typeof actual !== 'string') throw new MatchError(`Incorrect type ${goTypeName(actual)}`);
      const lines = scanLines(actual);
      const ok = patterns.filter((p) => {
        const hit = lines.some((l) => p.test(l));
        // An empty pattern passes even on empty input, as in goss.
        return p.inverse ? !hit : hit || p.pattern === '';
      });
      found = ok.map((p) => p.pattern);
      missing = patterns.filter((p) => !ok.includes(p)).map((p) => p.pattern);
      return missing.length === 0;
    },
    failure: (actual) => ({
      message: 'to have patterns',
      actual,
      expected: value,
      'missing-elements': missing,
      'found-elements': found,
    }),
    negatedFailure: (actual) => ({ message: 'not to have patterns', actual, expected: value }),
    toJSON: () => ({ 'have-patterns': value }),
  };
}

/** `have-patterns:` written explicitly converts the fact to a string first. */
export function havePatternsOf(value: unknown): Matcher {
  return withTransform(toStringT, havePatterns(value));
}
