import { createHash } from 'node:crypto';
import { relative, sep } from 'node:path';
import type { Severity } from '../../lint/types.js';
import type { LintReport } from './report.js';

/** GitLab's Code Quality severities (info, minor, major, critical, blocker). */
const SEVERITY: Record<Severity, 'info' | 'major' | 'critical'> = {
  error: 'critical',
  warning: 'major',
  info: 'info',
};

/**
 * GitLab Code Quality report (the Code Climate issue subset GitLab reads): one issue per
 * finding, paths relative to the working directory (the project root in a GitLab job). The
 * fingerprint leaves the line out, so moving a finding does not make it "new" in the merge
 * request widget; identical findings in one file are told apart by their order.
 */
export function formatGitlab(report: LintReport, opts: { cwd?: string } = {}): string {
  const cwd = opts.cwd ?? process.cwd();
  const seen = new Map<string, number>();
  const issues = report.findings.map((f) => {
    const path = relative(cwd, f.file).split(sep).join('/') || f.file;
    const key = `${f.policy}\u0000${path}\u0000${f.message}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return {
      type: 'issue',
      check_name: f.policy,
      description: f.message,
      categories: ['Security'],
      severity: SEVERITY[f.severity],
      fingerprint: createHash('sha256').update(`${key}\u0000${n}`).digest('hex').slice(0, 32),
      location: { path, lines: { begin: f.line, end: f.endLine } },
    };
  });
  return `${JSON.stringify(issues, null, 2)}\n`;
}
