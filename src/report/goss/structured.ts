import type { SuiteRun } from '../../suite/result.js';
import { counts, exitFor, type GossOptions, humanize, ordered, type Rendered } from './common.js';
import { withSummaryLine } from './json.js';

/** goss's `structured` format: results with summary-line and summary-line-compact, plain counts. */
export function structured(run: SuiteRun, opts: GossOptions): Rendered {
  const results = ordered(run, opts).map((r) => ({
    ...withSummaryLine(r, opts),
    'summary-line-compact': humanize(r, true, !opts.excludeRaw),
  }));
  const c = counts(results);
  const out = {
    results,
    summary: {
      'test-count': c.count,
      'failed-count': c.failed,
      'skipped-count': c.skipped,
      'total-duration': run.summary['total-duration'],
    },
  };
  return { text: `${JSON.stringify(out, null, opts.pretty ? 4 : undefined)}\n`, exitCode: exitFor(c) };
}
