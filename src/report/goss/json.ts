import type { SuiteRun, TestResult } from '../../suite/result.js';
import { counts, exitFor, type GossOptions, humanize, ordered, type Rendered, seconds } from './common.js';

/** goss v0.4's `json` format: `{results: [...], summary: {...}}`, one line unless `-o pretty`. */
export function json(run: SuiteRun, opts: GossOptions): Rendered {
  const results = ordered(run, opts).map((r) => withSummaryLine(r, opts));
  const c = counts(results);
  const out = {
    results,
    summary: {
      'failed-count': c.failed,
      'skipped-count': c.skipped,
      'summary-line': `Count: ${c.count}, Failed: ${c.failed}, Skipped: ${c.skipped}, Duration: ${seconds(run.summary['total-duration'])}s`,
      'test-count': c.count,
      'total-duration': run.summary['total-duration'],
    },
  };
  return { text: `${JSON.stringify(out, null, opts.pretty ? 4 : undefined)}\n`, exitCode: exitFor(c) };
}

/** The result with its summary line re-rendered for these options (exclude_raw). */
export function withSummaryLine(r: TestResult, opts: GossOptions): TestResult {
  const m = { ...r['matcher-result'] };
  if (opts.excludeRaw) delete m['untransformed-value'];
  return { ...r, 'matcher-result': m, 'summary-line': humanize(r, false, !opts.excludeRaw) };
}
