import type { SuiteRun } from '../../suite/result.js';
import {
  counts,
  exitFor,
  failedOrSkipped,
  type GossOptions,
  groups,
  header,
  humanize,
  ordered,
  type Rendered,
  summaryBlock,
} from './common.js';

/** Every result's summary line, grouped by resource with its title/meta, then failures and counts. */
export function documentation(run: SuiteRun, opts: GossOptions): Rendered {
  const results = ordered(run, opts);
  const includeRaw = !opts.excludeRaw;
  let text = '';
  for (const g of groups(results)) {
    text += header(g[0]!);
    for (const r of g) text += `${humanize(r, false, includeRaw, opts.color)}\n`;
  }
  const c = counts(results);
  text += `\n\n${failedOrSkipped(results, includeRaw, opts.color)}${summaryBlock(run, c, opts.color)}`;
  return { text, exitCode: exitFor(c) };
}
