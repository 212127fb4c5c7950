import type { Finding, Severity } from '../../lint/types.js';
import { type LintReport, maskedPolicies } from './report.js';

export interface TextOptions {
  /** ANSI colours (only on a TTY). */
  color: boolean;
  /** Show the source line under each finding (only on a TTY). */
  frames: boolean;
  /** Findings only: no summary line. */
  quiet: boolean;
}

const SEVERITY_COLOR: Record<Severity, number> = { error: 31, warning: 33, info: 34 };

/** `file:line:col severity policy message`, optionally with a code frame, then a summary line. */
export function formatText(report: LintReport, opts: TextOptions): string {
  const paint = (code: number, s: string) => (opts.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const texts = new Map<string, string[]>();
  for (const t of report.templates) {
    for (const [file, text] of Object.entries(t.text)) texts.set(file, text.split(/\r?\n/));
  }
  const masked = maskedPolicies(report.policies);
  const lines: string[] = [];
  for (const f of report.findings) {
    lines.push(
      `${f.file}:${f.line}:${f.column} ${paint(SEVERITY_COLOR[f.severity], f.severity)} ${paint(2, f.policy)} ${f.message}`,
    );
    if (opts.frames) lines.push(...frame(f, texts.get(f.file), masked.has(f.policy), paint));
  }
  if (!opts.quiet) {
    for (const note of report.notes ?? []) lines.push(`${paint(2, 'note:')} ${note}`);
    lines.push(summaryLine(report, paint));
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

function frame(
  f: Finding,
  source: string[] | undefined,
  mask: boolean,
  paint: (c: number, s: string) => string,
): string[] {
  const text = source?.[f.line - 1];
  if (text === undefined) return [];
  const gutter = String(f.line).length;
  const start = f.column - 1;
  const end = f.endLine === f.line ? Math.max(f.endColumn, f.column) : text.length;
  // Secrets: the line is not printed at all. Masking only the finding's span left the secret
  // readable when it stood beside the span (the span is the command, the secret one of its words).
  const shown = mask ? paint(2, '(line not shown: it holds a secret)') : text;
  const caret = mask ? '' : ' '.repeat(start) + '^'.repeat(Math.max(end - start, 1));
  const first = `${paint(2, `  ${f.line} |`)} ${shown}`;
  return mask ? [first] : [first, `${paint(2, `  ${' '.repeat(gutter)} |`)} ${paint(31, caret)}`];
}

function summaryLine(report: LintReport, paint: (c: number, s: string) => string): string {
  const s = report.summary;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const counts = `${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${s.infos} info`;
  const scope = `${plural(s.templates, 'template')}, ${plural(s.policies, 'policy').replace(/policys$/, 'policies')}`;
  const suppressed = s.suppressed > 0 ? `; ${s.suppressed} suppressed` : '';
  const verdict =
    s.exitCode === 0
      ? paint(32, 'ok')
      : s.exitCode === 2
        ? paint(31, 'syntax errors')
        : paint(31, `failed (fail-on ${s.failOn})`);
  return `${verdict}: ${plural(s.findings, 'finding')} (${counts}) in ${scope}${suppressed}`;
}
