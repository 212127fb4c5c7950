/**
 * Lint findings as `imagegate lint --format json` writes them and as verdicts embed them
 * (`lint.findings`, typed `unknown[]` there). Read tolerantly: a finding needs a policy and a
 * message; everything else is optional.
 */
import type { FindingSeverity, LintFinding } from './types.js';

const SEVERITIES: readonly FindingSeverity[] = ['error', 'warning', 'info'];

export function parseFinding(value: unknown): LintFinding | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  if (typeof r.policy !== 'string' || typeof r.message !== 'string') return undefined;
  const severity = SEVERITIES.includes(r.severity as FindingSeverity)
    ? (r.severity as FindingSeverity)
    : 'warning';
  const f: LintFinding = {
    policy: r.policy,
    severity,
    message: r.message,
    file: typeof r.file === 'string' ? r.file : '',
  };
  for (const k of ['line', 'column', 'endLine', 'endColumn'] as const) {
    const n = r[k];
    if (typeof n === 'number' && Number.isFinite(n)) f[k] = n;
  }
  return f;
}

export function normalizePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

/** Same template file named relative to different directories (`web/x.pkr.hcl` vs `x.pkr.hcl`). */
export function samePath(a: string, b: string): boolean {
  const x = normalizePath(a);
  const y = normalizePath(b);
  if (x === '' || y === '') return false;
  return x === y || x.endsWith(`/${y}`) || y.endsWith(`/${x}`);
}

/**
 * A finding's file belongs to a template: the template file itself, or any file under a
 * template directory (its `*.pkr.hcl` files and the scripts beside them).
 */
export function inTemplate(file: string, template: string): boolean {
  for (let p = normalizePath(file); p.includes('/'); p = p.slice(0, p.lastIndexOf('/'))) {
    if (samePath(p, template)) return true;
  }
  return samePath(file, template);
}

export function findingKey(f: LintFinding): string {
  return [f.policy, normalizePath(f.file), f.line ?? '', f.column ?? '', f.message].join('\u0000');
}

export function severityRank(s: FindingSeverity): number {
  return SEVERITIES.indexOf(s);
}
