import type { SuiteRun } from '../../suite/result.js';
import { counts, exitFor, type GossOptions, humanize, ordered, type Rendered } from './common.js';

/** Test Anything Protocol: `1..N`, then `ok`/`not ok` per result, skips marked `# SKIP`. */
export function tap(run: SuiteRun, opts: GossOptions): Rendered {
  const results = ordered(run, opts);
  const lines = results.map((r, i) => {
    const line = humanize(r, true, !opts.excludeRaw);
    if (r.result === 1) return `not ok ${i + 1} - ${line}`;
    if (r.result === 2) return `ok ${i + 1} - # SKIP ${line}`;
    return `ok ${i + 1} - ${line}`;
  });
  return {
    text: `1..${results.length}\n${lines.map((l) => `${l}\n`).join('')}`,
    exitCode: exitFor(counts(results)),
  };
}
