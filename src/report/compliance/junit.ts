/**
 * JUnit XML for CI test tabs: per artifact an integrity suite (a tampered verdict is a failing
 * test), a lint suite (error/warning findings fail, info findings pass with their message as
 * output, policies with nothing to check in the template are skipped) and one suite per goss
 * suite with a test case per checked property.
 */
import { xml } from './escape.js';
import { location } from './format.js';
import type { ArtifactSection, ReportModel } from './types.js';

interface Case {
  classname: string;
  name: string;
  seconds: number;
  failure?: { message: string; type: string; text: string };
  error?: { message: string; text: string };
  skipped?: string;
  out?: string;
}

interface Suite {
  name: string;
  timestamp: string;
  cases: Case[];
}

function caseXml(c: Case): string {
  const open = `    <testcase classname="${xml(c.classname)}" name="${xml(c.name)}" time="${c.seconds.toFixed(3)}"`;
  const inner: string[] = [];
  if (c.failure) {
    inner.push(
      `      <failure message="${xml(c.failure.message)}" type="${xml(c.failure.type)}">${xml(c.failure.text)}</failure>`,
    );
  }
  if (c.error) inner.push(`      <error message="${xml(c.error.message)}">${xml(c.error.text)}</error>`);
  if (c.skipped !== undefined) inner.push(`      <skipped message="${xml(c.skipped)}"/>`);
  if (c.out) inner.push(`      <system-out>${xml(c.out)}</system-out>`);
  return inner.length === 0 ? `${open}/>` : `${open}>\n${inner.join('\n')}\n    </testcase>`;
}

function suiteXml(s: Suite): string {
  const failures = s.cases.filter((c) => c.failure).length;
  const errors = s.cases.filter((c) => c.error).length;
  const skipped = s.cases.filter((c) => c.skipped !== undefined).length;
  const time = s.cases.reduce((n, c) => n + c.seconds, 0);
  return (
    `  <testsuite name="${xml(s.name)}" tests="${s.cases.length}" failures="${failures}" errors="${errors}" ` +
    `skipped="${skipped}" time="${time.toFixed(3)}" timestamp="${xml(s.timestamp)}">\n` +
    `${s.cases.map(caseXml).join('\n')}\n  </testsuite>`
  );
}

function artifactSuites(a: ArtifactSection): Suite[] {
  const ref = a.identity.reference;
  const at = a.timings.startedAt;
  const integrity: Case = { classname: `${ref}.verdict`, name: `integrity ${a.file}`, seconds: 0 };
  if (!a.intact) {
    integrity.failure = {
      message: `verdict failed verification (${a.evidence.code ?? 'rejected'})`,
      type: 'tampered',
      text: `${a.evidence.reason ?? ''}; attestation sha256 ${a.evidence.digest}`,
    };
  }
  const verdictCases: Case[] = [integrity];
  if (a.error) {
    verdictCases.push({
      classname: `${ref}.verdict`,
      name: 'gate',
      seconds: 0,
      error: { message: a.error, text: a.error },
    });
  }
  const suites: Suite[] = [{ name: `${ref} / verdict`, timestamp: at, cases: verdictCases }];
  if (a.lint.evaluated) {
    const cases = a.lint.findings.map((f): Case => {
      const c: Case = {
        classname: `${ref}.lint.${f.policy}`,
        name: `${location(f)}: ${f.message}`,
        seconds: 0,
      };
      if (f.severity === 'info') c.out = f.message;
      else
        c.failure = {
          message: f.message,
          type: f.severity,
          text: `${f.policy} (${f.severity}) at ${location(f)}`,
        };
      return c;
    });
    if (cases.length === 0) cases.push({ classname: `${ref}.lint`, name: 'no findings', seconds: 0 });
    for (const id of a.lint.notApplicable) {
      cases.push({
        classname: `${ref}.lint.${id}`,
        name: 'not applicable',
        seconds: 0,
        skipped: 'the template has nothing this policy checks',
      });
    }
    suites.push({ name: `${ref} / lint`, timestamp: at, cases });
  }
  for (const s of a.suites) {
    const cases: Case[] = [];
    for (const r of s.resources) {
      for (const c of r.checks) {
        const tc: Case = {
          classname: `${ref}.${s.name}.${r.type}`,
          name: `${r.id}: ${c.property}`,
          seconds: c.durationMs / 1000,
        };
        if (c.status === 'fail')
          tc.failure = { message: c.failure ?? c.summary, type: 'check', text: c.summary };
        if (c.status === 'skip') tc.skipped = c.summary;
        cases.push(tc);
      }
    }
    suites.push({ name: `${ref} / ${s.name}`, timestamp: at, cases });
  }
  return suites;
}

export function renderJunit(m: ReportModel): string {
  const suites = m.artifacts.flatMap(artifactSuites);
  const all = suites.flatMap((s) => s.cases);
  const failures = all.filter((c) => c.failure).length;
  const errors = all.filter((c) => c.error).length;
  const skipped = all.filter((c) => c.skipped !== undefined).length;
  const time = all.reduce((n, c) => n + c.seconds, 0);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xml(m.title)}" tests="${all.length}" failures="${failures}" ` +
    `errors="${errors}" skipped="${skipped}" time="${time.toFixed(3)}">\n${suites.map(suiteXml).join('\n')}\n</testsuites>\n`
  );
}
