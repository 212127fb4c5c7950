import type { Severity } from '../../lint/types.js';
import type { LintReport } from './report.js';

const COMMAND: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'notice' };

/** GitHub Actions workflow commands: one `::error file=…,line=…::message` annotation per finding. */
export function formatGithub(report: LintReport): string {
  return report.findings
    .map((f) => {
      const props = [
        `file=${property(f.file)}`,
        `line=${f.line}`,
        `col=${f.column}`,
        `endLine=${f.endLine}`,
        `endColumn=${f.endColumn}`,
        `title=${property(f.policy)}`,
      ].join(',');
      return `::${COMMAND[f.severity]} ${props}::${data(f.message)}\n`;
    })
    .join('');
}

/** Escaping rules of the Actions runner (toolkit/packages/core/src/command.ts). */
function data(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function property(s: string): string {
  return data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
