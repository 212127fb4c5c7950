import type { SuiteRun } from '../../suite/result.js';
import { counts, exitFor, type GossOptions, humanize, ordered, type Rendered, seconds } from './common.js';

const XML_ESCAPES: Record<string, string> = {
  '"': '&#34;',
  "'": '&#39;',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\t': '&#x9;',
  '\n': '&#xA;',
  '\r': '&#xD;',
};

/**
 * Go's xml.EscapeText, which goss uses: quotes and whitespace as numeric references, and a
 * character XML 1.0 cannot carry (control bytes from command output) as U+FFFD.
 */
function esc(s: string): string {
  return s.replace(
    /["'&<>\t\n\r]|[^\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu,
    (c) => XML_ESCAPES[c] ?? '\uFFFD',
  );
}

/** JUnit XML, one testsuite named goss and one testcase per result, as goss writes it. */
export function junit(run: SuiteRun, opts: GossOptions, now: Date = new Date()): Rendered {
  const results = ordered(run, opts);
  const c = counts(results);
  const includeRaw = !opts.excludeRaw;
  const cases = results.map((r) => {
    // goss v0.4.10 escapes only the id in the name.
    const name = `${r['resource-type']} ${esc(r['resource-id'])} ${r.property}`;
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
  const timestamp = rfc3339Local(now);
  const text =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<testsuite name="goss" errors="0" tests="${c.count}" failures="${c.failed}" skipped="${c.skipped}" time="${seconds(run.summary['total-duration'])}" timestamp="${timestamp}">\n` +
    cases.join('') +
    '</testsuite>\n';
  return { text, exitCode: exitFor(c) };
}

/** Go's time.Now().Format(time.RFC3339): local time, `Z` or a `±hh:mm` offset, no fraction. */
function rfc3339Local(d: Date): string {
  const off = -d.getTimezoneOffset();
  const p = (n: number) => String(n).padStart(2, '0');
  const local = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  if (off === 0) return `${local}Z`;
  return `${local}${off > 0 ? '+' : '-'}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
}
