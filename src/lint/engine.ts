import type { Position, Template } from '../template/model.js';
import type { LoadedPolicy } from './policies.js';
import { covers, findSuppressions } from './suppressions.js';
import {
  FILE_MISSING,
  type Finding,
  type Severity,
  SUPPRESSION_REASON_MISSING,
  SUPPRESSION_UNUSED,
  SYNTAX,
} from './types.js';

export interface TemplateResult {
  findings: Finding[];
  /** Findings silenced by a suppression comment (still counted in the summary). */
  suppressed: Finding[];
  /**
   * Ids of policies with nothing to judge in this template (an AMI policy on a docker-only
   * template): their silence is not a pass. Empty when the template has syntax errors, since a
   * partly read template cannot show what is absent.
   */
  notApplicable: string[];
}

export interface EngineOptions {
  /** Severity of the engine's own findings (config may change the suppression ones). */
  severity?: Partial<Record<string, Severity>>;
  /** Ids disabled in config (policies and engine ids alike). */
  disabled?: ReadonlySet<string>;
}

/**
 * Evaluate policies over one template: pure, no I/O. Syntax errors become `syntax` findings;
 * suppression comments silence matching findings and are themselves checked (a reason is
 * required; one that silences nothing is reported as unused).
 */
export function lintTemplate(
  template: Template,
  policies: readonly LoadedPolicy[],
  opts: EngineOptions = {},
): TemplateResult {
  const sev = (id: string, fallback: Severity): Severity => opts.severity?.[id] ?? fallback;
  const enabled = (id: string) => !opts.disabled?.has(id);
  const raw: Finding[] = [];
  for (const err of template.syntaxErrors) {
    raw.push({ policy: SYNTAX, severity: 'error', message: err.message, ...place(err.pos) });
  }
  if (enabled(FILE_MISSING)) {
    for (const missing of template.missingFiles ?? []) {
      const severity = sev(FILE_MISSING, 'error');
      raw.push({ policy: FILE_MISSING, severity, message: missing.message, ...place(missing.pos) });
    }
  }
  const notApplicable: string[] = [];
  for (const policy of policies) {
    const hits = policy.run(template);
    for (const hit of hits) {
      raw.push({ policy: policy.id, severity: policy.severity, message: hit.message, ...place(hit.pos) });
    }
    // A policy that found something applied, whatever its applicability test says.
    if (hits.length === 0 && template.syntaxErrors.length === 0 && !policy.applies(template)) {
      notApplicable.push(policy.id);
    }
  }

  const suppressions = findSuppressions(template);
  const used = new Set<number>();
  const findings: Finding[] = [];
  const suppressed: Finding[] = [];
  for (const f of raw) {
    const i = f.policy === SYNTAX ? -1 : suppressions.findIndex((s) => covers(s, f.policy, f));
    if (i === -1) {
      findings.push(f);
      continue;
    }
    used.add(i);
    suppressed.push(f);
  }

  suppressions.forEach((s, i) => {
    if (s.reason === undefined && enabled(SUPPRESSION_REASON_MISSING)) {
      findings.push({
        policy: SUPPRESSION_REASON_MISSING,
        severity: sev(SUPPRESSION_REASON_MISSING, 'error'),
        message: `suppression of ${s.ids.join(', ') || '(no policy id)'} has no reason: write "# imagegate:ignore <id> -- <why this is safe>"`,
        ...place(s.pos),
      });
    }
    // Suppressing only disabled policies is not "unused": they may be enabled again.
    const live = s.ids.length === 0 || s.ids.some((id) => enabled(id));
    if (!used.has(i) && live && enabled(SUPPRESSION_UNUSED)) {
      findings.push({
        policy: SUPPRESSION_UNUSED,
        severity: sev(SUPPRESSION_UNUSED, 'info'),
        message: `suppression of ${s.ids.join(', ') || '(no policy id)'} matches no finding; remove it`,
        ...place(s.pos),
      });
    }
  });
  return { findings: sortFindings(findings), suppressed, notApplicable: notApplicable.sort() };
}

function place(pos: Position): Omit<Finding, 'policy' | 'severity' | 'message'> {
  return {
    file: pos.file,
    line: pos.line,
    column: pos.column,
    endLine: pos.endLine,
    endColumn: pos.endColumn,
  };
}

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.policy.localeCompare(b.policy),
  );
}
