import { goJson } from '../../suite/go-json.js';
import type { SuiteRun } from '../../suite/result.js';
import { counts, type GossOptions, humanize, ordered, type Rendered, seconds } from './common.js';
import { gossResult } from './json.js';

/** The keys whose values are Go structs in goss's StructuredOutput (field order kept). */
const STRUCTS = new Set(['results', 'matcher-result', 'summary']);

/**
 * goss's `structured` format, as goss v0.4.10 writes it: results in TestResult field order with
 * both summary lines, a summary without a skipped count, and a summary line without one.
 * Like goss it always exits 0 (the outcome is in the document), and, like goss, it never sets
 * `successful` (false on every result): consumers read `result`.
 */
export function structured(run: SuiteRun, opts: GossOptions): Rendered {
  const results = ordered(run, opts).map((r) => ({
    ...gossResult(r, opts),
    successful: false,
    'summary-line-compact': humanize(r, true, !opts.excludeRaw),
  }));
  const c = counts(ordered(run, opts));
  const duration = run.summary['total-duration'];
  const out = {
    results,
    summary: { 'test-count': c.count, 'failed-count': c.failed, 'total-duration': duration },
    'summary-line': `Count: ${c.count}, Failed: ${c.failed}, Duration: ${seconds(duration)}s`,
  };
  return {
    text: `${goJson(out, { indent: opts.pretty ? '  ' : undefined, struct: STRUCTS })}\n`,
    exitCode: 0,
  };
}
