import type { SuiteRun } from '../../suite/result.js';
import { counts, type GossOptions, humanize, ordered, type Rendered, seconds } from './common.js';

/**
 * One Nagios status line; CRITICAL exits 2. `-o perfdata` appends performance data,
 * `-o verbose` lists each failure as `Fail N - …` on its own line (goss v0.4).
 */
export function nagios(run: SuiteRun, opts: GossOptions): Rendered {
  const results = ordered(run, opts);
  const c = counts(results);
  const secs = seconds(run.summary['total-duration']);
  const state = c.failed > 0 ? 'CRITICAL' : 'OK';
  let text = `GOSS ${state} - Count: ${c.count}, Failed: ${c.failed}, Skipped: ${c.skipped}, Duration: ${secs}s`;
  if (opts.perfdata) text += `|total=${c.count} failed=${c.failed} skipped=${c.skipped} duration=${secs}s`;
  text += '\n';
  if (opts.verbose && c.failed > 0) {
    const failed = results.filter((r) => r.result === 1);
    failed.forEach((r, i) => {
      text += `Fail ${i + 1} - ${humanize(r, true, !opts.excludeRaw)}\n`;
    });
  }
  return { text, exitCode: c.failed > 0 ? 2 : 0 };
}
