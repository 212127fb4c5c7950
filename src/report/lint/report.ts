import type { LoadedPolicy } from '../../lint/policies.js';
import type { LintedTemplate, LintSummary } from '../../lint/run.js';
import type { Finding } from '../../lint/types.js';

/** What every lint output format renders: the result of `lintPaths`. */
export interface LintReport {
  findings: Finding[];
  summary: LintSummary;
  templates: LintedTemplate[];
  policies: LoadedPolicy[];
  /** Per template path: policies with nothing to judge there. Absent: all applied. */
  notApplicable?: Record<string, string[]>;
  /** How lint read its input when not obvious (a folder linted file by file). */
  notes?: string[];
}

/** Policies whose findings point at secret values: never echo their source text. */
export function maskedPolicies(policies: readonly LoadedPolicy[]): Set<string> {
  return new Set(
    policies
      .filter((p) =>
        (Array.isArray(p.check) ? p.check : [p.check]).some((c) => c.type === 'secret-in-template'),
      )
      .map((p) => p.id),
  );
}
