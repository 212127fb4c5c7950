import type { MatcherResult } from '../result.js';
import type { EvaluateMatcher, LinesFact } from './api.js';
import { compile } from './compile.js';
import { MatchError } from './core.js';
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
      matcher = Array.isArray(expected) ? havePatterns(expected) : compile(expected);
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
    const result: MatcherResult = { message: '', actual, expected };
    return { ok: false, message: formatFailure(result, err.message), result, error: err.message };
  }
};
