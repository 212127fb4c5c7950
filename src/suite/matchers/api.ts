import type { MatcherResult } from '../result.js';

/**
 * Evaluate one expectation (as written in the suite) against one collected fact.
 * `ok` false carries goss's failure wording in `message` (e.g. "Expected\n    <string>: foo\nto equal\n    <string>: bar").
 */
export interface MatcherOutcome {
  ok: boolean;
  /** The human failure text (empty on success). */
  message: string;
  /** goss JSON `matcher-result`. */
  result: MatcherResult;
  /** Set when the matcher could not be applied (syntax error, bad JSON for gjson, …): goss's `err`. */
  error?: string;
}

/**
 * A fact can be a plain value or, for line-oriented attributes (file contents, command
 * stdout/stderr, http body), a `LinesFact` that `have-patterns`/bare lists match line by line.
 */
export interface LinesFact {
  kind: 'lines';
  lines: string[];
  /**
   * The raw text, final newline included, for matchers that take the whole text (goss's
   * ReaderToString); absent, the lines joined with "\n".
   */
  text?: string;
  /**
   * The Go type of the io.Reader goss holds for this fact (`*os.File` for file contents), which
   * goss prints in place of the text when line patterns fail: `object: *os.File`.
   */
  reader?: string;
}

/** goss's io.Reader fact: line patterns see the lines, every other matcher the exact text. */
export function linesFact(text: string, reader = '*strings.Reader'): LinesFact {
  const lines = text === '' ? [] : text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return { kind: 'lines', lines, text, reader };
}

export type Fact = unknown | LinesFact;

export type EvaluateMatcher = (expected: unknown, actual: Fact) => MatcherOutcome;
