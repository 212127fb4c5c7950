/**
 * GitHub-flavoured Markdown for pull-request comments and `$GITHUB_STEP_SUMMARY` (limit 1 MiB):
 * what failed is listed in full, what passed is counted, long lists are capped and point to
 * the HTML report.
 */
import { md, mdProse } from './escape.js';
import { fleetMarkdown } from './fleet.js';
import { duration, location, plural, shortHash } from './format.js';
import type {
  ArtifactSection,
  ArtifactStatus,
  ControlStatus,
  FindingRow,
  PolicyUse,
  RecordRow,
  ReportModel,
} from './types.js';

/** Per artifact, at most this many failed checks and findings are listed. */
const MAX_ROWS = 50;

const ICON: Record<ArtifactStatus | ControlStatus, string> = {
  passed: '✅',
  failed: '❌',
  tampered: '⚠️',
  pass: '✅',
  fail: '❌',
  'not-covered': '➖',
  'not-applicable': '⚪',
};

/** A code span when the text allows one (no backticks or newlines), escaped text otherwise. */
function code(text: string): string {
  return /[`\r\n]/.test(text) || text === '' ? md(text) : `\`${text.replace(/\|/g, '\\|')}\``;
}

function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => ' --- ').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function findingsTable(findings: readonly FindingRow[], policies: ReadonlyMap<string, PolicyUse>): string {
  return table(
    ['Severity', 'Policy', 'Where', 'Message', 'How to fix'],
    findings.map((f) => [
      f.severity,
      code(f.policy),
      code(location(f)),
      md(f.message),
      mdProse(policies.get(f.policy)?.info?.remediation ?? '—'),
    ]),
  );
}

function capped<T>(list: readonly T[]): { shown: readonly T[]; more: string } {
  if (list.length <= MAX_ROWS) return { shown: list, more: '' };
  return {
    shown: list.slice(0, MAX_ROWS),
    more: `\n\n…and ${list.length - MAX_ROWS} more (see the HTML report).`,
  };
}

function tamperAlert(m: ReportModel): string {
  const bad = m.artifacts.filter((a) => !a.intact);
  if (bad.length === 0) return '';
  const lines = bad.map(
    (a) => `> - ${code(a.file)} (${md(a.identity.reference)}): ${md(a.evidence.reason ?? 'not verified')}`,
  );
  return [
    '> [!CAUTION]',
    `> **${plural(bad.length, 'verdict')} failed verification.** Their signature, signer, schema or consistency does not check out (altered, forged, or signed by a key no stage trusts); they are counted as tampered, not passed, and left out of the control view.`,
    ...lines,
  ].join('\n');
}

function summaryLine(m: ReportModel): string {
  const s = m.summary;
  const c = s.checks;
  const f = s.findings;
  return (
    `**${plural(s.artifacts, 'artifact')}:** ✅ ${s.passed} passed · ❌ ${s.failed} failed · ⚠️ ${s.tampered} tampered${s.superseded ? ` · ${s.superseded} superseded by a newer verdict` : ''}  \n` +
    `**Checks:** ${c.pass} pass · ${c.fail} fail · ${c.skip} skip  \n` +
    `**Lint findings:** ${f.error} error · ${f.warning} warning · ${f.info} info  \n` +
    `**Controls:** ${s.controls.pass}/${s.controls.total} passing · ${s.controls.fail} failing · ${s.controls.notCovered} not covered · ${s.controls.notApplicable} n/a`
  );
}

function overview(m: ReportModel): string {
  return table(
    ['Status', 'Artifact', 'Template', 'Git', 'Pass', 'Fail', 'Skip', 'Findings', 'Time'],
    m.artifacts.map((a) => [
      `${ICON[a.status]} ${a.status}${a.supersededBy ? ' (superseded)' : ''}`,
      md(a.identity.reference),
      a.identity.template ? code(a.identity.template.path) : '—',
      a.identity.git ? code(shortHash(a.identity.git.sha)) : '—',
      String(a.checks.pass),
      String(a.checks.fail),
      String(a.checks.skip),
      String(a.lint.findings.length),
      duration(a.timings.totalMs),
    ]),
  );
}

function controls(m: ReportModel): string {
  if (m.controls.length === 0) return '';
  const n = m.artifacts.length - m.controlsExcludedTampered;
  return [
    '### Controls',
    '',
    table(
      ['Control', 'Status', 'Evidence', 'Covered', 'Pass', 'Fail', 'Skip'],
      m.controls.map((c) => [
        md(c.id),
        `${ICON[c.status]} ${c.status}`,
        c.evidence
          .map(
            (e) =>
              `${e.kind} ${code(e.ref)}${e.notApplicable ? ` (n/a for ${plural(e.notApplicable, 'artifact')})` : ''}`,
          )
          .join('<br>'),
        `${c.coveredArtifacts}/${n}`,
        String(c.pass),
        String(c.fail),
        String(c.skip),
      ]),
    ),
  ].join('\n');
}

function artifact(a: ArtifactSection, policies: ReadonlyMap<string, PolicyUse>): string {
  const id = a.identity;
  const facts = [
    `- **ID:** ${code(id.id)}${id.digest ? ` · **digest:** ${code(id.digest)}` : ''}${id.regions.length > 0 ? ` · **regions:** ${md(id.regions.join(', '))}` : ''}`,
    `- **Template:** ${id.template ? code(id.template.path) : '—'} · **git:** ${id.git ? code(id.git.sha) + (id.git.dirty ? ' (dirty)' : '') : '—'}`,
    `- **Built:** ${md(id.buildTime ?? 'not recorded')} · **base OS:** ${md(id.baseOs ?? 'not recorded')} · **builder:** ${md(id.builder ?? 'not recorded')}${id.packerBuild ? ` · **Packer build:** ${code(id.packerBuild)}` : ''}`,
    `- **Verdict:** ${code(a.file)} sha256 ${code(shortHash(a.evidence.digest))} · **signed by:** ${md(a.evidence.signer ?? 'no signer named')} · ${a.intact ? 'verified' : `**not verified (${md(a.evidence.code ?? 'rejected')}): ${md(a.evidence.reason ?? '')}**`}`,
    `- **Timings:** total ${duration(a.timings.totalMs)} · boot ${duration(a.timings.bootMs)} · suites ${duration(a.timings.suiteMs)} · teardown ${duration(a.timings.teardownMs)}`,
  ];
  const parts = [`### ${ICON[a.status]} ${md(id.reference)}${a.supersededBy ? ' (superseded)' : ''}`, ''];
  if (a.supersededBy)
    parts.push(
      `> **Superseded** by a newer verdict for the same image, ${md(a.supersededBy.reference)} (finished ${md(a.supersededBy.finishedAt)}): that one is current, this one is history.`,
      '',
    );
  parts.push(...facts);
  if (a.error) parts.push('', `**Error:** ${md(a.error)}`);

  const failed = a.suites.flatMap((s) =>
    s.resources.flatMap((r) =>
      r.checks
        .filter((c) => c.status === 'fail')
        .map((c) => [
          code(s.name),
          `${md(r.type)} ${code(r.id)}`,
          md(c.property),
          md(c.failure ?? c.summary),
        ]),
    ),
  );
  if (failed.length > 0) {
    const { shown, more } = capped(failed);
    parts.push(
      '',
      `**Failed checks (${failed.length})**`,
      '',
      table(['Suite', 'Resource', 'Property', 'Why'], [...shown]) + more,
    );
  }
  if (a.suites.length > 0) {
    parts.push(
      '',
      table(
        ['Suite', 'Pass', 'Fail', 'Skip', 'Time'],
        a.suites.map((s) => [
          code(s.name),
          String(s.counts.pass),
          String(s.counts.fail),
          String(s.counts.skip),
          duration(s.durationMs),
        ]),
      ),
    );
  }
  if (a.lint.findings.length > 0) {
    const { shown, more } = capped(a.lint.findings);
    parts.push(
      '',
      `**Lint findings (${a.lint.findings.length})**`,
      '',
      findingsTable(shown, policies) + more,
    );
  }
  if (a.lint.notApplicable.length > 0) {
    parts.push(
      '',
      `**Lint n/a** (nothing to check in this template, counted neither pass nor fail): ${a.lint.notApplicable.map(code).join(', ')}`,
    );
  }
  if (a.history.length > 0) {
    parts.push(
      '',
      '<details><summary>Promotion history</summary>',
      '',
      table(
        ['When', 'Kind', 'Stage', 'Status', 'Detail'],
        a.history.map((h) => [
          md(h.at),
          h.kind,
          md(h.stage ?? ''),
          md(h.status),
          md(h.detail ?? '') +
            (h.otherVerdict ? ` ⚠️ on another verdict ${code(shortHash(h.otherVerdict))}` : '') +
            (h.unverified ? ` ⚠️ unverified record: ${md(h.unverified)}` : ''),
        ]),
      ),
      '',
      '</details>',
    );
  }
  return parts.join('\n');
}

function recordTable(title: string, rows: readonly RecordRow[]): string {
  if (rows.length === 0) return '';
  const { shown, more } = capped(rows);
  return [
    `### ${title}`,
    '',
    table(
      ['When', 'Subject', 'Action', 'Status', 'Detail', 'Source'],
      shown.map((r) => [
        md(r.at ?? '—'),
        r.subject ? code(r.subject) : '',
        md(r.action ?? ''),
        md(r.status ?? ''),
        md(r.detail ?? ''),
        code(r.source),
      ]),
    ) + more,
  ].join('\n');
}

export function renderMarkdown(m: ReportModel): string {
  const policies = new Map(m.policies.map((p) => [p.id, p]));
  const sections = [
    `## ${md(m.title)}`,
    tamperAlert(m),
    summaryLine(m),
    overview(m),
    controls(m),
    ...m.artifacts.map((a) => artifact(a, policies)),
    fleetMarkdown(m.fleet ?? []),
  ];
  if (m.unattachedFindings.length > 0) {
    const { shown, more } = capped(m.unattachedFindings);
    sections.push('### Lint findings for templates without a verdict', findingsTable(shown, policies) + more);
  }
  // The same record lists the HTML report shows, so a PR comment hides nothing it has.
  sections.push(
    recordTable('Promotion records for artifacts not in this report', m.unattachedPromotions),
    recordTable('Retention (prune plans and audit log)', m.retention),
  );
  if (m.notes.length > 0) sections.push(`**Notes:**\n${m.notes.map((n) => `- ${md(n)}`).join('\n')}`);
  sections.push(`<sub>Generated ${md(m.generatedAt)} by imagegate ${md(m.tool.version)}</sub>`);
  return `${sections.filter((s) => s !== '').join('\n\n')}\n`;
}
