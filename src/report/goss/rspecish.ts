import type { SuiteRun } from '../../suite/result.js';
import {
  counts,
  exitFor,
  failedOrSkipped,
  type GossOptions,
  ordered,
  paint,
  type Rendered,
  summaryBlock,
} from './common.js';

/** goss's default format: a dot per pass, F per failure, S per skip, then the failures and counts. */
export function rspecish(run: SuiteRun, opts: GossOptions): Rendered {
  const results = ordered(run, opts);
  const marks = results
    .map((r) =>
      r.result === 0
        ? paint(opts.color, 'green', '.')
        : r.result === 1
          ? paint(opts.color, 'red', 'F')
          : paint(opts.color, 'yellow', 'S'),
    )
    .join('');
  const c = counts(results);
  const text = `${marks}\n\n${failedOrSkipped(results, !opts.excludeRaw, opts.color)}${summaryBlock(run, c, opts.color)}`;
  return { text, exitCode: exitFor(c) };
}
