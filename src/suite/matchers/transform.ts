import { goSprintf } from '../go-printf.js';
import type { MatcherResult } from '../result.js';
import { deepEqual, isRecord, MatchError, type Matcher } from './core.js';
import { gomegaObject } from './gomega-format.js';

/**
 * goss converts the system value before a matcher sees it (to-string, to-numeric, to-array,
 * gjson) and reports the chain of conversions on failure, together with the raw value.
 */
export interface Transformer {
  apply(value: unknown): unknown;
  toJSON(): unknown;
  /** Go's `%#v` of the transformer, which goss puts before a transform error. */
  goName: string;
}

/** Go's `%v` for decoded YAML/JSON values, which is what goss's to-string uses. */
export function goString(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (isRecord(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goString(v[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** strconv.FormatFloat(f, 'g', -1, 64) as fmt %v prints float64: 42, 1.5, 1e+21. */
function goFloat(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const s = String(n);
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

export const toStringT: Transformer = {
  apply: (v) => (Array.isArray(v) ? v.map(goString).join('\n') : goString(v)),
  toJSON: () => ({ 'to-string': {} }),
  goName: 'matchers.ToString{}',
};

// Go's strconv.ParseFloat accepts exactly one number, so "12abc" is an error, not 12.
const FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)$/i;

export const toNumericT: Transformer = {
  apply: (v) => {
    if (typeof v === 'number') return v;
    const s =
      typeof v === 'string'
        ? v
        : Array.isArray(v) && v.every((x) => typeof x === 'string')
          ? v.join('\n')
          : null;
    if (s === null) throw new MatchError(`Expected numeric, Got:${gomegaObject(v)}`);
    const t = s.trim();
    if (!FLOAT.test(t))
      throw new MatchError(`strconv.ParseFloat: parsing ${goSprintf('%q', [t])}: invalid syntax`);
    return Number(t.replace(/^([+-]?)inf(inity)?$/i, '$1Infinity').replace(/^nan$/i, 'NaN'));
  },
  toJSON: () => ({ 'to-numeric': {} }),
  goName: 'matchers.ToNumeric{}',
};

export const toArrayT: Transformer = {
  apply: (v) => (typeof v === 'string' ? v.split('\n') : v),
  toJSON: () => ({ 'to-array': {} }),
  goName: 'matchers.ToArray{}',
};

/**
 * goss's WithSafeTransform: convert, then match. A transform failure is a MatchError naming the
 * transform. Results carry the chain only when the value actually changed.
 */
export function withTransform(t: Transformer, inner: Matcher): Matcher {
  let transformed: unknown;
  let changed = false;
  let failed = false;
  const chainAndInner = (): { chain: unknown[]; innermost: Matcher; value: unknown } => {
    const chain: unknown[] = [];
    if (changed || failed) chain.push(t.toJSON());
    const sub = innerState.get(inner);
    if (sub) {
      const deeper = sub();
      return { chain: [...chain, ...deeper.chain], innermost: deeper.innermost, value: deeper.value };
    }
    return { chain, innermost: inner, value: transformed };
  };
  const decorate = (r: MatcherResult, chain: unknown[], actual: unknown): MatcherResult =>
    chain.length > 0 ? { ...r, 'transform-chain': chain, 'untransformed-value': actual } : r;
  const m: Matcher = {
    match(actual) {
      changed = false;
      failed = false;
      try {
        transformed = t.apply(actual);
      } catch (err) {
        failed = true;
        throw new MatchError(`${t.goName}: ${(err as Error).message}`);
      }
      changed = !deepEqual(actual, transformed);
      return inner.match(transformed);
    },
    failure(actual) {
      const { chain, innermost, value } = chainAndInner();
      return decorate(innermost.failure(value), chain, actual);
    },
    negatedFailure(actual) {
      const { chain, innermost, value } = chainAndInner();
      return decorate(innermost.negatedFailure(value), chain, actual);
    },
    toJSON: () => inner.toJSON(),
  };
  innerState.set(m, chainAndInner);
  return m;
}

// Lets an outer transform see through nested transforms, as goss's getTransformerChainAndMatcher does.
const innerState = new WeakMap<Matcher, () => { chain: unknown[]; innermost: Matcher; value: unknown }>();
