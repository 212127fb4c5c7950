import type { SuiteRun } from '../../suite/result.js';
import { counts, exitFor, type GossOptions, humanize, ordered, type Rendered, seconds } from './common.js';

/** XML-escape, dropping characters XML 1.0 cannot carry (control bytes from command output). */
function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
}

/** JUnit XML, one testsuite named goss and one testcase per result, as goss writes it. */
export function junit(run: SuiteRun, opts: GossOptions, now: Date = new Date()): Rendered {
  const results = ordered(run, opts);
  const c = counts(results);
  const includeRaw = !opts.excludeRaw;
  const cases = results.map((r) => {
    const name = esc(`${r['resource-type']} ${r['resource-id']} ${r.property}`);
    let s = `<testcase name="${name}" time="${seconds(r.duration)}">\n`;
    const line = esc(humanize(r, true, includeRaw));
    if (r.result === 1) {
      s += `<system-err>${line}</system-err>\n<failure>${line}</failure>\n</testcase>\n`;
    } else {
      if (r.result === 2) s += '<skipped/>';
      s += `<system-out>${line}</system-out>\n</testcase>\n`;
    }
    return s;
  });
  const timestamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const text =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuite name="goss" errors="0" tests="${c.count}" failures="${c.failed}" skipped="${c.skipped}" time="${seconds(run.summary['total-duration'])}" timestamp="${timestamp}">\n` +
    cases.join('') +
    '</testsuite>\n';
  return { text, exitCode: exitFor(c) };
}
