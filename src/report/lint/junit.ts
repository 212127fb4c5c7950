import type { Finding } from '../../lint/types.js';
import type { LintReport } from './report.js';

/**
 * JUnit XML: a testsuite per template and a testcase per template × policy, failing when the
 * policy found something there. Engine findings (syntax, suppressions) get testcases of their
 * own when they occur.
 */
export function formatJunit(report: LintReport): string {
  let tests = 0;
  let failures = 0;
  const suites = report.templates.map((t) => {
    const files = new Set(t.files);
    const mine = report.findings.filter((f) => files.has(f.file));
    const ids = report.policies.map((p) => p.id);
    for (const f of mine) if (!ids.includes(f.policy)) ids.push(f.policy);
    const cases = ids.map((id) =>
      testcase(
        t.path,
        id,
        mine.filter((f) => f.policy === id),
      ),
    );
    const failed = cases.filter((c) => c.failed).length;
    tests += cases.length;
    failures += failed;
    return [
      `  <testsuite name="${xml(t.path)}" tests="${cases.length}" failures="${failed}" errors="0" skipped="0">`,
      ...cases.map((c) => c.xml),
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="imagegate lint" tests="${tests}" failures="${failures}" errors="0">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

function testcase(template: string, policy: string, findings: Finding[]): { xml: string; failed: boolean } {
  const open = `    <testcase classname="${xml(template)}" name="${xml(policy)}"`;
  if (findings.length === 0) return { xml: `${open}/>`, failed: false };
  const body = findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.severity} ${f.message}`).join('\n');
  const first = findings[0]!;
  return {
    xml: `${open}>\n      <failure message="${xml(first.message)}" type="${first.severity}">${xml(body)}</failure>\n    </testcase>`,
    failed: true,
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
