import { goJson } from '../go-json.js';
import type { MatcherResult } from '../result.js';
import { unifiedDiff } from './diff.js';

/**
 * goss v0.4's human rendering of a matcher result: each value as compact JSON, indented four spaces,
 *   Expected
 *       "foo"
 *   to equal
 *       "bar"
 * followed by missing/extra elements and the transform chain where present.
 */
export function prettyValue(v: unknown, indent: boolean): string {
  // goss encodes with json.Encoder (compact, HTML characters unescaped) and then indents the line.
  const s = v === undefined ? 'null' : goJson(v, { escapeHtml: false });
  return indent ? indentLines(s) : s;
}

export function indentLines(text: string): string {
  return text
    .replace(/\n+$/, '')
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

export interface FormatOptions {
  /** One line (nagios, tap) instead of goss's multi-line form. */
  compact?: boolean;
  /** Show the value before transforms (goss's default; `-o exclude_raw` turns it off). */
  includeRaw?: boolean;
}

export function formatFailure(r: MatcherResult, err: string | null, opts: FormatOptions = {}): string {
  const compact = opts.compact ?? false;
  const includeRaw = opts.includeRaw ?? true;
  const ss: string[] = [];
  if (err !== null) {
    ss.push('Error', compact ? err.replace(/\s+/g, ' ') : indentLines(err));
  } else {
    ss.push('Expected', prettyValue(r.actual, !compact), r.message, prettyValue(r.expected, !compact));
    // goss's maybeAddDiff: two different strings get a unified diff, except in compact output.
    if (!compact && typeof r.expected === 'string' && typeof r.actual === 'string' && r.expected !== r.actual)
      ss.push('diff', indentLines(unifiedDiff(r.expected, r.actual)));
  }
  if (r['missing-elements'] && r['missing-elements'].length > 0) {
    ss.push('the missing elements were', prettyValue(r['missing-elements'], !compact));
  }
  if (r['extra-elements'] && r['extra-elements'].length > 0) {
    ss.push('the extra elements were', prettyValue(r['extra-elements'], !compact));
  }
  if (r['transform-chain'] && r['transform-chain'].length > 0) {
    ss.push('the transform chain was', prettyValue(r['transform-chain'], !compact));
    if (includeRaw) ss.push('the raw value was', prettyValue(r['untransformed-value'], !compact));
  }
  return ss.join(compact ? ' ' : '\n');
}
