import { type Compile, invalidArg, type Matcher } from './core.js';

/** and / or / not, with goss's result choices (and reports its first failing matcher). */

function list(name: string, value: unknown, compile: Compile): Matcher[] {
  if (!Array.isArray(value)) throw invalidArg(name, 'array', value);
  return value.map(compile);
}

export function and(matchers: Matcher[]): Matcher {
  let firstFailed: Matcher | undefined;
  return {
    match(actual) {
      firstFailed = undefined;
      for (const m of matchers) {
        let ok = false;
        try {
          ok = m.match(actual);
        } finally {
          if (!ok) firstFailed = m;
        }
        if (!ok) return false;
      }
      return true;
    },
    failure: (actual) =>
      firstFailed ? firstFailed.failure(actual) : { message: 'to satisfy all of these matchers', actual },
    negatedFailure: (actual) => ({
      message: 'not to satisfy all of these matchers',
      actual,
      expected: matchers.map((m) => m.toJSON()),
    }),
    toJSON: () => (matchers.length === 1 ? matchers[0]!.toJSON() : { and: matchers.map((m) => m.toJSON()) }),
  };
}

export function andOf(value: unknown, compile: Compile): Matcher {
  return and(list('and', value, compile));
}

export function orOf(value: unknown, compile: Compile): Matcher {
  const matchers = list('or', value, compile);
  let firstOk: Matcher | undefined;
  return {
    match(actual) {
      firstOk = matchers.find((m) => m.match(actual));
      return firstOk !== undefined;
    },
    failure: (actual) => ({
      message: 'to satisfy at least one of these matchers',
      actual,
      expected: matchers.map((m) => m.toJSON()),
    }),
    negatedFailure: (actual) =>
      firstOk ? firstOk.negatedFailure(actual) : { message: 'not to satisfy any of these matchers', actual },
    toJSON: () => ({ or: matchers.map((m) => m.toJSON()) }),
  };
}

export function notOf(value: unknown, compile: Compile): Matcher {
  const inner = compile(value);
  return {
    match: (actual) => !inner.match(actual),
    failure: (actual) => inner.negatedFailure(actual),
    negatedFailure: (actual) => inner.failure(actual),
    toJSON: () => ({ not: inner.toJSON() }),
  };
}
