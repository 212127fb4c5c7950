import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../../../src/evidence/verdict.js';
import { buildReportModel } from '../../../../src/report/compliance/assemble.js';
import { renderHtml } from '../../../../src/report/compliance/html.js';
import { renderJunit } from '../../../../src/report/compliance/junit.js';
import { loadInputs } from '../../../../src/report/compliance/load.js';
import { renderMarkdown } from '../../../../src/report/compliance/markdown.js';
import type { PolicyInfo } from '../../../../src/report/compliance/types.js';
import { baseVerdict, webVerdict } from '../../../fixtures/report/verdicts.js';
import { writeSignedVerdictFile as writeVerdict } from '../../../helpers/evidence.js';
import { inputs, scratchDir, TRUST, VERIFIED } from './helpers.js';

/**
 * A policy with nothing to judge in an artifact's template (an AMI policy on a docker image)
 * is neither a pass nor a fail for that artifact. Verdicts say so in `lint.notApplicable`;
 * verdicts written before the field existed keep today's reading (every policy applied).
 */
const TAGS: PolicyInfo = {
  id: 'tags-missing',
  title: 'AMI without traceability tags',
  references: [],
  controls: ['ORG-TAG-1'],
};

/** A fixture verdict with a different lint record, as the gate would have written it. */
function withLint(v: Verdict, lint: Partial<NonNullable<Verdict['lint']>>): Verdict {
  return { ...v, lint: { errors: 0, warnings: 0, infos: 0, findings: [], ...v.lint, ...lint } };
}

function model(verdicts: Verdict[]) {
  const given = inputs({
    verdicts: verdicts.map((verdict, i) => ({ file: `v${i}.verdict.json`, verdict, check: VERIFIED })),
    policies: [TAGS],
  });
  return buildReportModel(given, { title: 't', generatedAt: '2026-11-28T08:00:00.000Z', toolVersion: '0' });
}

const dockerNa = () => withLint(webVerdict(), { notApplicable: ['tags-missing'] });
const amiClean = () => withLint(baseVerdict(), { findings: [], errors: 0, notApplicable: [] });

describe('not-applicable lint evidence in the compliance report', () => {
  it('a control backed only by n/a evidence is n/a, not "not covered" (an AMI control in a docker-only repo)', () => {
    const m = model([dockerNa()]);
    const row = m.controls.find((c) => c.id === 'ORG-TAG-1')!;
    expect(row).toMatchObject({ status: 'not-applicable', pass: 0, fail: 0, coveredArtifacts: 0 });
    expect(row.evidence[0]).toMatchObject({ ref: 'tags-missing', pass: 0, fail: 0, notApplicable: 1 });
    expect(m.summary.controls).toMatchObject({ notCovered: 0, notApplicable: 1 });
    expect(renderMarkdown(m)).toContain('| ORG-TAG-1 | ⚪ not-applicable |');
    expect(renderMarkdown(m)).toContain('0 not covered · 1 n/a');
    expect(renderHtml(m)).toContain('<span class="pill not-applicable">not applicable</span>');
    expect(m.artifacts[0]!.lint.notApplicable).toEqual(['tags-missing']);
  });

  it('counts the artifacts the policy applied to, and only those', () => {
    const row = model([dockerNa(), amiClean()]).controls.find((c) => c.id === 'ORG-TAG-1')!;
    expect(row).toMatchObject({ status: 'pass', pass: 1, fail: 0, coveredArtifacts: 1 });
    expect(row.evidence[0]!.notApplicable).toBe(1);
  });

  it('old evidence without the field counts every policy as applied (a pass when silent)', () => {
    const old = webVerdict();
    expect(old.lint).toBeDefined();
    expect(old.lint).not.toHaveProperty('notApplicable');
    const m = model([old]);
    expect(m.artifacts[0]!.lint.notApplicable).toEqual([]);
    expect(m.controls.find((c) => c.id === 'ORG-TAG-1')).toMatchObject({ status: 'pass', pass: 1 });
  });

  it('a finding for the policy wins over an n/a claim: it fails', () => {
    const finding = {
      policy: 'tags-missing',
      severity: 'warning',
      message: 'tags lack SHA',
      file: 'packer/web/web.pkr.hcl',
      line: 3,
    };
    const m = model([
      withLint(webVerdict(), { warnings: 1, findings: [finding], notApplicable: ['tags-missing'] }),
    ]);
    expect(m.artifacts[0]!.lint.notApplicable).toEqual([]);
    expect(m.controls.find((c) => c.id === 'ORG-TAG-1')).toMatchObject({ status: 'fail', fail: 1 });
  });

  it('reads the field from signed verdicts on disk; verdicts without it still verify', () => {
    const dir = scratchDir('imagegate-report-na-');
    writeVerdict(dir, withLint(webVerdict(), { notApplicable: ['tags-missing', 'tags-missing'] }));
    writeVerdict(dir, baseVerdict());
    const inputs = loadInputs({
      verdictPaths: [dir],
      lintFiles: [],
      promotionFiles: [],
      pruneFiles: [],
      policyDirs: [],
      controls: { 'ORG-TAG-1': ['tags-missing'] },
      trust: TRUST,
    });
    expect(inputs.verdicts.map((v) => v.check.verified)).toEqual([true, true]);
    const m = buildReportModel(inputs, { title: 't', generatedAt: 'now', toolVersion: '0' });
    const byKind = (kind: string) => m.artifacts.find((a) => a.identity.kind === kind)!;
    expect(byKind('docker-image').lint.notApplicable).toEqual(['tags-missing']);
    expect(byKind('ami').lint.notApplicable).toEqual([]);
  });

  it('reads n/a from `--lint` files (lint --format json) for verdicts that do not carry it', () => {
    const dir = scratchDir('imagegate-report-na-lint-');
    writeVerdict(dir, webVerdict());
    const lintFile = join(dir, 'lint.json');
    writeFileSync(
      lintFile,
      JSON.stringify({
        findings: [],
        summary: {},
        notApplicable: {
          'packer/web/web.pkr.hcl': ['tags-missing', 3],
          'packer/other/x.pkr.hcl': ['manifest-missing'],
          'packer/odd.pkr.hcl': 'not a list',
        },
      }),
    );
    const inputs = loadInputs({
      verdictPaths: [dir],
      lintFiles: [lintFile],
      promotionFiles: [],
      pruneFiles: [],
      policyDirs: [],
      controls: { 'ORG-TAG-1': ['tags-missing'] },
      trust: TRUST,
    });
    expect(inputs.lint[0]!.notApplicable).toEqual({
      'packer/web/web.pkr.hcl': ['tags-missing'],
      'packer/other/x.pkr.hcl': ['manifest-missing'],
    });
    const m = buildReportModel(inputs, { title: 't', generatedAt: 'now', toolVersion: '0' });
    // Only the entry for the verdict's own template counts.
    expect(m.artifacts[0]!.lint.notApplicable).toEqual(['tags-missing']);
    expect(m.controls.find((c) => c.id === 'ORG-TAG-1')).toMatchObject({ status: 'not-applicable' });
  });

  it('n/a policies beside a selector that matched nothing stay n/a; a check that ran decides', () => {
    const m = buildReportModel(
      inputs({
        verdicts: [{ file: 'v.verdict.json', verdict: dockerNa(), check: VERIFIED }],
        policies: [TAGS],
        controls: { 'ORG-TAG-1': ['file:/nonexistent-in-fixture'] },
      }),
      { title: 't', generatedAt: 'now', toolVersion: '0' },
    );
    expect(m.controls.find((c) => c.id === 'ORG-TAG-1')!.status).toBe('not-applicable');
    const skipped = buildReportModel(
      inputs({
        verdicts: [{ file: 'v.verdict.json', verdict: dockerNa(), check: VERIFIED }],
        policies: [TAGS],
        controls: { 'ORG-TAG-1': ['file:/etc/passwd'] },
      }),
      { title: 't', generatedAt: 'now', toolVersion: '0' },
    );
    expect(skipped.controls.find((c) => c.id === 'ORG-TAG-1')!.status).toBe('pass');
  });

  it('shows n/a in Markdown, HTML and JUnit', () => {
    const m = model([dockerNa(), amiClean()]);
    const markdown = renderMarkdown(m);
    expect(markdown).toContain('policy `tags-missing` (n/a for 1 artifact)');
    expect(markdown).toMatch(/\*\*Lint n\/a\*\* .*`tags-missing`/);
    const html = renderHtml(m);
    expect(html).toContain('n/a for 1 artifact');
    expect(html).toMatch(/n\/a \(nothing to check in this template[^<]*<code>tags-missing<\/code>/);

    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(renderJunit(m));
    const cases = (doc.testsuites.testsuite as { testcase: unknown }[]).flatMap((s) =>
      ([] as { classname: string; skipped?: { message: string } }[]).concat(
        s.testcase as { classname: string; skipped?: { message: string } },
      ),
    );
    const na = cases.filter((c) => c.classname.endsWith('.lint.tags-missing'));
    expect(na).toHaveLength(1);
    expect(na[0]!.skipped?.message).toMatch(/nothing this policy checks/);
  });
});
