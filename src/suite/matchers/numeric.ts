import { invalidArg, type Matcher, simple } from './core.js';
import { toNumericT, withTransform } from './transform.js';

const SYMBOL: Record<string, string> = { gt: '>', ge: '>=', lt: '<', le: '<=' };
const TEST: Record<string, (a: number, b: number) => boolean> = {
  gt: (a, b) => a > b,
  ge: (a, b) => a >= b,
  lt: (a, b) => a < b,
  le: (a, b) => a <= b,
};

/** gt/ge/lt/le: the fact is converted to a number first, so `"128"` compares as 128. */
export function numericMatcher(name: string, value: unknown): Matcher {
  if (typeof value !== 'number') throw invalidArg(name, 'numeric', value);
  const test = TEST[name]!;
  return withTransform(
    toNumericT,
    simple(name, `to be numerically ${name}`, value, (a) => typeof a === 'number' && test(a, value)),
  );
}

export const NUMERIC_MATCHERS = Object.keys(SYMBOL);
