import type { MatcherResult } from '../result.js';
import type { EvaluateMatcher, LinesFact } from './api.js';
import { compile } from './compile.js';
import { MatchError, type Matcher } from './core.js';
import { formatFailure } from './format.js';
import { havePatterns } from './patterns.js';

function isLines(v: unknown): v is LinesFact {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'lines';
}

/**
 * Judge one fact against one expectation with goss's semantics. A line-oriented fact (file
 * contents, command output, http body) meets a bare list as line patterns and anything else
 * as its whole text, exactly as goss treats an io.Reader.
 */
export const evaluateMatcher: EvaluateMatcher = (expected, fact) => {
  let actual: unknown = fact;
  let matcher: ReturnType<typeof compile> | undefined;
  try {
    if (isLines(fact)) {
      actual = fact.text ?? fact.lines.join('\n');
      matcher = Array.isArray(expected) ? readerPatterns(expected, fact.reader) : compile(expected);
    } else {
      matcher = compile(expected);
    }
    if (matcher.match(actual)) {
      return { ok: true, message: '', result: { message: 'matches expectation', actual, expected } };
    }
    const result = matcher.failure(actual);
    return { ok: false, message: formatFailure(result, null), result };
  } catch (err) {
    if (!(err instanceof MatchError)) throw err;
    // goss still asks the matcher for its failure result, so a transform error shows its chain.
    const result = (matcher && failureAfterError(matcher, actual)) ?? { message: '', actual, expected };
    return { ok: false, message: formatFailure(result, err.message), result, error: err.message };
  }
};

function failureAfterError(matcher: Matcher, actual: unknown): MatcherResult | undefined {
  try {
    return matcher.failure(actual);
  } catch {
    return undefined;
  }
}

/**
 * Line patterns on an io.Reader: goss reports the reader, not its text, as the actual value
 * (`object: *strings.Reader`).
 */
function readerPatterns(expected: unknown[], reader = '*strings.Reader'): Matcher {
  const inner = havePatterns(expected);
  return {
    ...inner,
    failure: (actual) => ({ ...inner.failure(actual), actual: `object: ${reader}` }),
    negatedFailure: (actual) => ({ ...inner.negatedFailure(actual), actual: `object: ${reader}` }),
  };
}
