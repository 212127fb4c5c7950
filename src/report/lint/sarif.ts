import { relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Severity } from '../../lint/types.js';
import { SUPPRESSION_REASON_MISSING, SUPPRESSION_UNUSED, SYNTAX } from '../../lint/types.js';
import type { LintReport } from './report.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};

const ENGINE_RULES: Record<string, { title: string; help: string; severity: Severity }> = {
  [SYNTAX]: {
    title: 'Template syntax error',
    help: 'Packer cannot read the template here; fix the syntax.',
    severity: 'error',
  },
  [SUPPRESSION_REASON_MISSING]: {
    title: 'Suppression without a reason',
    help: 'Write `# imagegate:ignore <policy-id> -- <why this is safe>`.',
    severity: 'error',
  },
  [SUPPRESSION_UNUSED]: {
    title: 'Unused suppression',
    help: 'The suppression matches no finding on its line or the next; remove it.',
    severity: 'info',
  },
};

/**
 * SARIF 2.1.0 for code scanning: one run, a rule per policy (help text from its rationale and
 * remediation), results with paths relative to the working directory (%SRCROOT%).
 */
export function formatSarif(report: LintReport, opts: { version: string; cwd?: string }): string {
  const cwd = opts.cwd ?? process.cwd();
  const rules = [
    ...report.policies.map((p) => ({
      id: p.id,
      name: camel(p.id),
      shortDescription: { text: p.title },
      fullDescription: { text: p.rationale.trim() },
      help: {
        text: `${p.rationale.trim()}\n\nRemediation: ${p.remediation.trim()}`,
        markdown: `${p.rationale.trim()}\n\n**Remediation:** ${p.remediation.trim()}${p.references.map((r) => `\n- <${r}>`).join('')}`,
      },
      ...(p.references[0] ? { helpUri: p.references[0] } : {}),
      defaultConfiguration: { level: LEVEL[p.severity] },
      properties: { tags: ['packer', ...(p.controls ?? [])] },
    })),
    ...Object.entries(ENGINE_RULES)
      .filter(([id]) => report.findings.some((f) => f.policy === id))
      .map(([id, r]) => ({
        id,
        name: camel(id),
        shortDescription: { text: r.title },
        help: { text: r.help },
        defaultConfiguration: { level: LEVEL[r.severity] },
      })),
  ];
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = report.findings.map((f) => ({
    ruleId: f.policy,
    ruleIndex: index.get(f.policy) ?? -1,
    level: LEVEL[f.severity],
    message: { text: f.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: uri(f.file, cwd), uriBaseId: '%SRCROOT%' },
          region: {
            startLine: f.line,
            startColumn: f.column,
            endLine: f.endLine,
            // SARIF's endColumn is one past the last character.
            endColumn: Math.max(f.endColumn, f.column) + 1,
          },
        },
      },
    ],
  }));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'imagegate',
            version: opts.version,
            informationUri: 'https://github.com/imagegate/imagegate',
            rules,
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: `${pathToFileURL(cwd).href.replace(/\/?$/, '/')}` } },
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

function uri(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return encodeURI(rel.split(sep).join('/'));
}

function camel(id: string): string {
  return id.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase());
}
