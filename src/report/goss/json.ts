import { goJson } from '../../suite/go-json.js';
import type { MatcherResult, SuiteRun, TestResult } from '../../suite/result.js';
import { counts, exitFor, type GossOptions, humanize, ordered, type Rendered, seconds } from './common.js';

/**
 * goss v0.4's `json` format. goss turns each result into a Go map, so every key is sorted and
 * every field of the matcher result is present (null when unset); `<`, `>` and `&` are escaped
 * as Go's json.Marshal does. One line unless `-o pretty` (four spaces).
 */
export function json(run: SuiteRun, opts: GossOptions): Rendered {
  const results = ordered(run, opts);
  const c = counts(results);
  const out = {
    results: results.map((r) => ({
      ...gossResult(r, opts),
      // goss's json (not structured) sets these from the outcome.
      successful: r.result !== 1,
      'summary-line-compact': humanize(r, true, !opts.excludeRaw),
    })),
    summary: {
      'failed-count': c.failed,
      'skipped-count': c.skipped,
      'summary-line': `Count: ${c.count}, Failed: ${c.failed}, Skipped: ${c.skipped}, Duration: ${seconds(run.summary['total-duration'])}s`,
      'test-count': c.count,
      'total-duration': run.summary['total-duration'],
    },
  };
  return { text: `${goJson(out, { indent: opts.pretty ? '    ' : undefined })}\n`, exitCode: exitFor(c) };
}

/**
 * A result in goss's TestResult field order, with the summary line for these options
 * (`exclude_raw` shortens the summary line only; the matcher result keeps the raw value).
 */
export function gossResult(r: TestResult, opts: GossOptions): Record<string, unknown> {
  return {
    successful: r.successful,
    skipped: r.skipped,
    'resource-id': r['resource-id'],
    'resource-type': r['resource-type'],
    property: r.property,
    title: r.title,
    meta: r.meta,
    result: r.result,
    err: r.err,
    'matcher-result': gossMatcherResult(r['matcher-result']),
    'start-time': r['start-time'],
    'end-time': r['end-time'],
    duration: r.duration,
    'summary-line': humanize(r, false, !opts.excludeRaw),
  };
}

/** goss's MatcherResult: all eight fields, in its order, null where unset. */
function gossMatcherResult(m: MatcherResult): Record<string, unknown> {
  return {
    actual: m.actual ?? null,
    message: m.message,
    expected: m.expected ?? null,
    'missing-elements': m['missing-elements'] ?? null,
    'found-elements': m['found-elements'] ?? null,
    'extra-elements': m['extra-elements'] ?? null,
    'transform-chain': m['transform-chain'] ?? null,
    'untransformed-value': m['untransformed-value'] ?? null,
  };
}
