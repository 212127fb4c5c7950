import {
  bareList,
  consistOf,
  containElement,
  containElements,
  haveKey,
  haveKeyWithValue,
  haveLen,
} from './collections.js';
import { isRecord, MatchError, type Matcher } from './core.js';
import { bareNumber, bareString, equal } from './equal.js';
import { gjson } from './gjson.js';
import { and, andOf, notOf, orOf } from './logic.js';
import { NUMERIC_MATCHERS, numericMatcher } from './numeric.js';
import { havePatternsOf } from './patterns.js';
import { semverConstraint } from './semver.js';
import { STRING_MATCHERS, stringMatcher } from './strings.js';
import { xml } from './xml.js';

/** Every matcher name a suite may use, for the schema and for "unknown matcher" errors. */
export const MATCHER_NAMES = [
  'equal',
  ...STRING_MATCHERS,
  'have-len',
  'have-key',
  'have-key-with-value',
  'have-patterns',
  'contain-element',
  'contain-elements',
  'consist-of',
  ...NUMERIC_MATCHERS,
  'not',
  'and',
  'or',
  'semver-constraint',
  'gjson',
  'xml',
];

/**
 * Turn an expectation as written in a gossfile into a matcher, following goss's
 * matcherToGomegaMatcher: a string compares as a string, a number as a number, a bool exactly,
 * a list means "contains these elements", and a one-key map names a matcher.
 */
export function compile(expected: unknown): Matcher {
  if (typeof expected === 'string') return bareString(expected);
  if (typeof expected === 'number') return bareNumber(expected);
  if (typeof expected === 'boolean') return equal(expected);
  if (Array.isArray(expected)) return bareList(expected, compile);
  if (expected === null || expected === undefined)
    throw new MatchError('Syntax Error: Missing required attribute');
  if (!isRecord(expected)) throw new MatchError(`Syntax Error: Unexpected matcher type: ${typeof expected}`);
  const keys = Object.keys(expected);
  if (keys.length !== 1) {
    throw new MatchError(
      keys.length === 0
        ? 'Syntax Error: empty matcher {}'
        : `Syntax Error: Invalid matcher configuration. At a given nesting level, only one matcher is allowed. Found multiple matchers: ${JSON.stringify(keys)}`,
    );
  }
  const name = keys[0]!;
  const value = expected[name];
  if (STRING_MATCHERS.includes(name)) return stringMatcher(name, value);
  if (NUMERIC_MATCHERS.includes(name)) return numericMatcher(name, value);
  switch (name) {
    case 'equal':
      return equal(value);
    case 'have-len':
      return haveLen(value);
    case 'have-key':
      return haveKey(value, compile);
    case 'have-key-with-value':
      return and(haveKeyWithValue(value, compile));
    case 'have-patterns':
      return havePatternsOf(value);
    case 'contain-element':
      return containElement(value, compile);
    case 'contain-elements':
      return containElements(value, compile);
    case 'consist-of':
      return consistOf(value, compile);
    case 'not':
      return notOf(value, compile);
    case 'and':
      return andOf(value, compile);
    case 'or':
      return orOf(value, compile);
    case 'semver-constraint':
      return semverConstraint(value);
    case 'gjson':
      return gjson(value, compile);
    case 'xml':
      return xml(value);
    default:
      throw new MatchError(`Syntax Error: Unknown matcher: ${name} (known: ${MATCHER_NAMES.join(', ')})`);
  }
}
