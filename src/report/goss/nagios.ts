import type { SuiteRun } from '../../suite/result.js';
import { counts, type GossOptions, humanize, ordered, type Rendered, seconds } from './common.js';

/** One Nagios status line; CRITICAL exits 2. `-o verbose` lists each failure on its own line. */
export function nagios(run: SuiteRun, opts: GossOptions): Rendered {
  const results = ordered(run, opts);
  const c = counts(results);
  const state = c.failed > 0 ? 'CRITICAL' : 'OK';
  let text = `GOSS ${state} - Count: ${c.count}, Failed: ${c.failed}, Skipped: ${c.skipped}, Duration: ${seconds(run.summary['total-duration'])}s\n`;
  if (opts.verbose) {
    for (const r of results) if (r.result === 1) text += `Fail ${humanize(r, true, !opts.excludeRaw)}\n`;
  }
  return { text, exitCode: c.failed > 0 ? 2 : 0 };
}
