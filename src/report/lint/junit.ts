import type { Finding } from '../../lint/types.js';
import type { LintReport } from './report.js';

/**
 * JUnit XML: a testsuite per template and a testcase per template × policy, failing when the
 * policy found something there and skipped when it had nothing to judge (an AMI policy on a
 * docker template): a skipped policy is not a passed one. Engine findings (syntax,
 * suppressions) get testcases of their own when they occur.
 */
export function formatJunit(report: LintReport): string {
  let tests = 0;
  let failures = 0;
  let skips = 0;
  const suites = report.templates.map((t) => {
    const files = new Set(t.files);
    const mine = report.findings.filter((f) => files.has(f.file));
    const notApplicable = new Set(report.notApplicable?.[t.path] ?? []);
    const ids = report.policies.map((p) => p.id);
    for (const f of mine) if (!ids.includes(f.policy)) ids.push(f.policy);
    const cases = ids.map((id) =>
      testcase(
        t.path,
        id,
        mine.filter((f) => f.policy === id),
        notApplicable.has(id),
      ),
    );
    const failed = cases.filter((c) => c.status === 'failed').length;
    const skipped = cases.filter((c) => c.status === 'skipped').length;
    tests += cases.length;
    failures += failed;
    skips += skipped;
    return [
      `  <testsuite name="${xml(t.path)}" tests="${cases.length}" failures="${failed}" errors="0" skipped="${skipped}">`,
      ...cases.map((c) => c.xml),
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="imagegate lint" tests="${tests}" failures="${failures}" errors="0" skipped="${skips}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

type CaseStatus = 'passed' | 'failed' | 'skipped';

function testcase(
  template: string,
  policy: string,
  findings: Finding[],
  notApplicable: boolean,
): { xml: string; status: CaseStatus } {
  const open = `    <testcase classname="${xml(template)}" name="${xml(policy)}"`;
  if (findings.length === 0 && notApplicable) {
    const why = 'not applicable: the template has nothing this policy checks';
    return { xml: `${open}>\n      <skipped message="${why}"/>\n    </testcase>`, status: 'skipped' };
  }
  if (findings.length === 0) return { xml: `${open}/>`, status: 'passed' };
  const body = findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.severity} ${f.message}`).join('\n');
  const first = findings[0]!;
  return {
    xml: `${open}>\n      <failure message="${xml(first.message)}" type="${first.severity}">${xml(body)}</failure>\n    </testcase>`,
    status: 'failed',
  };
}

function xml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .split('')
    .filter((c) => !isForbiddenControl(c.charCodeAt(0)))
    .join('');
}

/** XML 1.0 allows no control characters except tab, newline and carriage return. */
function isForbiddenControl(code: number): boolean {
  return code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d;
}
