import type { MatcherResult } from '../result.js';

/**
 * One compiled goss matcher. Mirrors goss's GossMatcher: `match` says whether the actual value
 * passes (throwing `MatchError` where goss returns an error), and the two result builders give
 * the `matcher-result` goss reports for a failure and for a failure under `not`.
 */
export interface Matcher {
  match(actual: unknown): boolean;
  failure(actual: unknown): MatcherResult;
  negatedFailure(actual: unknown): MatcherResult;
  /** The matcher as goss marshals it into `expected` of enclosing matchers. */
  toJSON(): unknown;
}

/** A matcher could not be applied (bad expectation or incompatible fact): goss's `err`. */
export class MatchError extends Error {
  override name = 'MatchError';
}

export type Compile = (expected: unknown) => Matcher;

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** goss's "Syntax Error: Invalid 'X' argument" wording, with a JS type name in place of Go's. */
export function invalidArg(name: string, expected: string, value: unknown): MatchError {
  return new MatchError(
    `Syntax Error: Invalid '${name}' argument. Expected ${expected} value, but received: ${typeName(value)}: ${JSON.stringify(value)}`,
  );
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'map';
  return typeof v;
}

/** Structural equality over JSON-like values (gomega's reflect.DeepEqual for decoded YAML). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** A matcher whose results follow the usual `to X` / `not to X` shape. */
export function simple(
  name: string,
  verb: string,
  expected: unknown,
  test: (actual: unknown) => boolean,
  json: unknown = { [name]: expected },
): Matcher {
  return {
    match: test,
    failure: (actual) => ({ message: verb, actual, expected }),
    negatedFailure: (actual) => ({ message: `not ${verb}`, actual, expected }),
    toJSON: () => json,
  };
}
