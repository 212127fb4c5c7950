import { type Compile, invalidArg, isRecord, MatchError, type Matcher, simple } from './core.js';
import { gomegaObject } from './gomega-format.js';
import { toArrayT, withTransform } from './transform.js';

/**
 * Array and map matchers. Like gomega, a map is searched by its values, and the fact is first
 * converted to an array (a string is split on newlines) for the element matchers.
 */

/** The elements of a list or map, or gomega's error naming what the matcher accepts. */
function elementsOf(accepts: string, actual: unknown): unknown[] {
  if (Array.isArray(actual)) return actual;
  if (isRecord(actual)) return Object.values(actual);
  throw new MatchError(`${accepts}.  Got:\n${gomegaObject(actual)}`);
}

// goss checks contain-elements itself; gomega v1.42 words the others.
const CONTAIN_ELEMENTS = 'ContainElements matcher expects an array/slice/map';
const CONTAIN_ELEMENT = 'ContainElement matcher expects an array/slice/map/iterator';
const CONSIST_OF = 'ConsistOf matcher expects an array/slice/map/iter.Seq/iter.Seq2';

function safeMatch(m: Matcher, v: unknown): boolean {
  try {
    return m.match(v);
  } catch {
    return false;
  }
}

/**
 * Maximum bipartite matching of expected matchers to actual elements: each element satisfies at
 * most one matcher, which is why `[group2, group2]` fails against a single `group2` (goss docs).
 */
function pair(matchers: Matcher[], elements: unknown[]): { matchedM: boolean[]; matchedE: boolean[] } {
  const edges = matchers.map((m) => elements.map((e) => safeMatch(m, e)));
  const owner: number[] = elements.map(() => -1);
  const tryAssign = (i: number, seen: boolean[]): boolean => {
    for (let j = 0; j < elements.length; j++) {
      if (!edges[i]![j] || seen[j]) continue;
      seen[j] = true;
      if (owner[j] === -1 || tryAssign(owner[j]!, seen)) {
        owner[j] = i;
        return true;
      }
    }
    return false;
  };
  const matchedM = matchers.map((_, i) =>
    tryAssign(
      i,
      elements.map(() => false),
    ),
  );
  return { matchedM, matchedE: owner.map((o) => o !== -1) };
}

function subMatchers(name: string, value: unknown, compile: Compile): Matcher[] {
  if (!Array.isArray(value)) throw invalidArg(name, 'array', value);
  return value.map(compile);
}

export function containElement(value: unknown, compile: Compile): Matcher {
  if (!(isRecord(value) || typeof value === 'string' || typeof value === 'number')) {
    throw invalidArg('contain-element', 'matcher, string or numeric', value);
  }
  const sub = compile(value);
  const json = sub.toJSON();
  return withTransform(
    toArrayT,
    simple('contain-element', 'to contain element matching', json, (actual) =>
      elementsOf(CONTAIN_ELEMENT, actual).some((e) => safeMatch(sub, e)),
    ),
  );
}

/**
 * A bare list in a gossfile is contain-elements without goss's to-array conversion: a string
 * fact is an error (goss's matcherToGomegaMatcher), except a line fact, which meets line
 * patterns before it gets here.
 */
export function bareList(value: unknown, compile: Compile): Matcher {
  return containElements(value, compile, false);
}

/** `contain-elements: [...]`: the fact (a string is split into lines) is a superset. */
export function containElements(value: unknown, compile: Compile, viaArray = true): Matcher {
  const subs = subMatchers('contain-elements', value, compile);
  const expected = subs.map((s) => s.toJSON());
  let missing: unknown[] = [];
  let found: unknown[] = [];
  const m: Matcher = {
    match(actual) {
      const { matchedM } = pair(subs, elementsOf(CONTAIN_ELEMENTS, actual));
      missing = expected.filter((_, i) => !matchedM[i]);
      found = expected.filter((_, i) => matchedM[i]);
      return missing.length === 0;
    },
    failure: (actual) => ({
      message: 'to contain elements matching',
      actual,
      expected,
      'missing-elements': missing,
      'found-elements': found,
    }),
    negatedFailure: (actual) => ({ message: 'not to contain elements matching', actual, expected }),
    toJSON: () => ({ 'contain-elements': expected }),
  };
  return viaArray ? withTransform(toArrayT, m) : m;
}

export function consistOf(value: unknown, compile: Compile): Matcher {
  const subs = subMatchers('consist-of', value, compile);
  const expected = subs.map((s) => s.toJSON());
  let missing: unknown[] = [];
  let extra: unknown[] = [];
  return {
    match(actual) {
      const elements = elementsOf(CONSIST_OF, actual);
      const { matchedM, matchedE } = pair(subs, elements);
      missing = expected.filter((_, i) => !matchedM[i]);
      extra = elements.filter((_, j) => !matchedE[j]);
      return missing.length === 0 && extra.length === 0;
    },
    failure: (actual) => {
      const r = { message: 'to consist of', actual, expected } as ReturnType<Matcher['failure']>;
      if (missing.length > 0) r['missing-elements'] = missing;
      if (extra.length > 0) r['extra-elements'] = extra;
      return r;
    },
    negatedFailure: (actual) => ({ message: 'not to consist of', actual, expected }),
    toJSON: () => ({ 'consist-of': expected }),
  };
}

export function haveLen(value: unknown): Matcher {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidArg('have-len', 'numeric', value);
  return simple('have-len', 'to have length', value, (actual) => {
    // Go's len() of a string counts bytes.
    if (typeof actual === 'string') return Buffer.byteLength(actual) === value;
    if (Array.isArray(actual)) return actual.length === value;
    if (isRecord(actual)) return Object.keys(actual).length === value;
    throw new MatchError(
      `HaveLen matcher expects a string/array/map/channel/slice/iterator.  Got:\n${gomegaObject(actual)}`,
    );
  });
}

export function haveKey(value: unknown, compile: Compile): Matcher {
  const sub = compile(value);
  return simple('have-key', 'to have key matching', sub.toJSON(), (actual) => {
    if (!isRecord(actual))
      throw new MatchError(`HaveKey matcher expects a map/iter.Seq2.  Got:${gomegaObject(actual)}`);
    return Object.keys(actual).some((k) => safeMatch(sub, k));
  });
}

/**
 * `have-key-with-value: {KEY: M, ...}` (goss v0.3, still accepted): every key is present and its
 * value matches M. Keys are checked in sorted order, as goss does.
 */
export function haveKeyWithValue(value: unknown, compile: Compile): Matcher[] {
  if (!isRecord(value)) throw invalidArg('have-key-with-value', 'map', value);
  return Object.keys(value)
    .sort()
    .map((key) => {
      const sub = compile(value[key]);
      const expected = { [key]: sub.toJSON() };
      return simple(
        'have-key-with-value',
        'to have {key: value} matching',
        expected,
        (actual) => {
          if (!isRecord(actual)) {
            throw new MatchError(
              `HaveKeyWithValue matcher expects a map/iter.Seq2.  Got:${gomegaObject(actual)}`,
            );
          }
          return Object.hasOwn(actual, key) && safeMatch(sub, actual[key]);
        },
        { 'have-key-with-value': expected },
      );
    });
}
