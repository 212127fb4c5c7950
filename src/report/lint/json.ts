import type { LintReport } from './report.js';

/**
 * `{"findings":[{policy, severity, message, file, line, column, endLine, endColumn}], "summary":{…},
 * "notApplicable":{"<template>":["<policy id>", …]}}`; `notApplicable` only when known.
 */
export function formatJson(report: LintReport): string {
  const findings = report.findings.map((f) => ({
    policy: f.policy,
    severity: f.severity,
    message: f.message,
    file: f.file,
    line: f.line,
    column: f.column,
    endLine: f.endLine,
    endColumn: f.endColumn,
  }));
  const na = report.notApplicable ? { notApplicable: report.notApplicable } : {};
  const notes = report.notes && report.notes.length > 0 ? { notes: report.notes } : {};
  return `${JSON.stringify({ findings, summary: report.summary, ...na, ...notes }, null, 2)}\n`;
}
