import type { SuiteRun } from '../../suite/result.js';
import { counts, exitFor, type GossOptions, ordered, type Rendered, seconds } from './common.js';
import { withSummaryLine } from './json.js';

/**
 * goss's `structured` format: typed results with their summary line, a summary object and a
 * top-level summary line (`-o pretty` indents two spaces, as goss does).
 */
export function structured(run: SuiteRun, opts: GossOptions): Rendered {
  const results = ordered(run, opts).map((r) => withSummaryLine(r, opts));
  const c = counts(results);
  const duration = run.summary['total-duration'];
  const out = {
    results,
    summary: {
      'test-count': c.count,
      'failed-count': c.failed,
      'skipped-count': c.skipped,
      'total-duration': duration,
    },
    'summary-line': `Count: ${c.count}, Failed: ${c.failed}, Skipped: ${c.skipped}, Duration: ${seconds(duration)}s`,
  };
  return { text: `${JSON.stringify(out, null, opts.pretty ? 2 : undefined)}\n`, exitCode: exitFor(c) };
}
