/**
 * One evaluated property of one resource, shaped after goss v0.4's JSON output so that every
 * report format (src/report/) renders from the same data.
 */
export interface MatcherResult {
  /** Matcher name as goss prints it: `equal`, `contain-element`, `have-patterns`, … */
  message: string;
  actual?: unknown;
  expected?: unknown;
  /** Elements goss reports for collection matchers. */
  'missing-elements'?: unknown[];
  'extra-elements'?: unknown[];
  'found-elements'?: unknown[];
  /** Conversions goss applied to the fact before matching (`[{"to-numeric":{}}]`). */
  'transform-chain'?: unknown[];
  /** The fact before those conversions (hidden by `-o exclude_raw`). */
  'untransformed-value'?: unknown;
}

export interface TestResult {
  'resource-id': string;
  'resource-type': string;
  title: string;
  meta: Record<string, unknown> | null;
  property: string;
  /** 0 pass, 1 fail, 2 skip (goss's numbering). */
  result: 0 | 1 | 2;
  successful: boolean;
  skipped: boolean;
  err: string | null;
  'matcher-result': MatcherResult;
  /** goss's one-line rendering: `File: /etc/passwd: exists: matches expectation: true`. */
  'summary-line': string;
  /** Nanoseconds, as goss reports. */
  duration: number;
  'start-time': string;
  'end-time': string;
}

export interface Summary {
  'test-count': number;
  'failed-count': number;
  'skipped-count': number;
  /** Nanoseconds. */
  'total-duration': number;
  'summary-line': string;
}

export interface SuiteRun {
  results: TestResult[];
  summary: Summary;
}
