import { deepEqual, type Matcher, simple } from './core.js';
import { toNumericT, toStringT, withTransform } from './transform.js';

/** `equal: X`: exact structural equality, no conversion (goss's override of default matchers). */
export function equal(expected: unknown): Matcher {
  return simple('equal', 'to equal', expected, (actual) => deepEqual(actual, expected), expected);
}

/** A bare string: the fact is converted to a string (lists joined by newlines), then compared. */
export function bareString(expected: string): Matcher {
  return withTransform(toStringT, equal(expected));
}

/** A bare number: the fact is converted to a number (`"42"` passes `42`), then compared. */
export function bareNumber(expected: number): Matcher {
  return withTransform(toNumericT, numericEq(expected));
}

function numericEq(expected: number): Matcher {
  // Inside and/or/not goss marshals it as BeNumerically does: {"eq":42}.
  return simple('eq', 'to be numerically eq', expected, (actual) => actual === expected);
}
