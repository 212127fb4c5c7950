/**
 * The self-contained HTML report: one file, inline CSS and SVG, no network, printable. A
 * Content-Security-Policy allows only the page's own style and its one tiny script (by hash),
 * so even a missed escape could neither run script nor fetch anything.
 */
import { createHash } from 'node:crypto';
import { html, htmlProse, safeUrl, truncate } from './escape.js';
import { fleetHtml } from './fleet.js';
import { duration, location, plural, shortHash } from './format.js';
import { CSS } from './html-style.js';
import { stackedBarChart } from './svg-charts.js';
import type {
  ArtifactSection,
  ControlRow,
  Counts,
  FindingRow,
  PolicyUse,
  RecordRow,
  ReportModel,
  ResourceGroup,
  SuiteSection,
} from './types.js';

// Printing should show everything, including collapsed passing checks.
const SCRIPT = `addEventListener('beforeprint',function(){document.querySelectorAll('details').forEach(function(d){d.open=true})});`;

const COLORS = {
  pass: '#16a34a',
  fail: '#dc2626',
  skip: '#9ca3af',
  error: '#dc2626',
  warning: '#d97706',
  info: '#6366f1',
};

function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
}

/** A file:line:col that breaks only after a path separator, never inside a number. */
const where = (f: FindingRow) => html(location(f)).replace(/\//g, '/<wbr>');

const pill = (status: string, label = status.replace('-', ' ')) =>
  `<span class="pill ${html(status)}">${html(label)}</span>`;

function countsCell(c: Counts): string {
  return `<td class="num">${c.pass}</td><td class="num">${c.fail}</td><td class="num">${c.skip}</td>`;
}

function tamperBanner(m: ReportModel): string {
  const bad = m.artifacts.filter((a) => !a.intact);
  if (bad.length === 0) return '';
  const items = bad
    .map(
      (a) =>
        `<li><a href="#${a.anchor}">${html(a.identity.reference)}</a> — <code>${html(a.file)}</code>: ` +
        `${html(a.evidence.reason ?? 'not verified')}</li>`,
    )
    .join('');
  return (
    `<section class="alert" role="alert" id="tamper-warning"><h2>⚠ ${plural(bad.length, 'verdict')} failed verification</h2>` +
    `<div>Their signature, signer, schema or consistency does not check out: they may have been altered or forged, or signed by a key no stage trusts. Their contents cannot be trusted: they are ` +
    `counted as <strong>tampered</strong>, not passed, and left out of the control view.</div><ul>${items}</ul></section>`
  );
}

function summary(m: ReportModel): string {
  const s = m.summary;
  const card = (cls: string, label: string, value: string | number, sub = '', id = '') =>
    `<div class="card ${cls}"${id ? ` id="${id}"` : ''}><div class="label">${html(label)}</div>` +
    `<div class="value">${html(value)}</div><div class="sub">${html(sub)}</div></div>`;
  const c = s.checks;
  const f = s.findings;
  return (
    `<section class="block" id="summary"><h2>Summary</h2><div class="cards">` +
    card(
      '',
      'Artifacts',
      s.artifacts,
      s.superseded > 0 ? `verdicts in this report, ${s.superseded} superseded` : 'verdicts in this report',
      'sum-artifacts',
    ) +
    card('pass', 'Passed', s.passed, 'intact and passing', 'sum-passed') +
    card(s.failed > 0 ? 'fail' : '', 'Failed', s.failed, 'intact, gate failed', 'sum-failed') +
    card(s.tampered > 0 ? 'tampered' : '', 'Tampered', s.tampered, 'failed verification', 'sum-tampered') +
    card(
      '',
      'Checks',
      c.pass + c.fail + c.skip,
      `${c.pass} pass · ${c.fail} fail · ${c.skip} skip`,
      'sum-checks',
    ) +
    card(
      '',
      'Lint findings',
      f.error + f.warning + f.info,
      `${f.error} error · ${f.warning} warning · ${f.info} info`,
      'sum-findings',
    ) +
    card(
      '',
      'Controls',
      `${s.controls.pass}/${s.controls.total}`,
      `passing · ${s.controls.fail} failing · ${s.controls.notCovered} not covered · ${s.controls.notApplicable} n/a`,
      'sum-controls',
    ) +
    `</div></section>`
  );
}

function charts(m: ReportModel): string {
  const perImage = stackedBarChart({
    title: 'Checks per artifact: pass, fail, skip',
    series: [
      { key: 'pass', label: 'pass', color: COLORS.pass },
      { key: 'fail', label: 'fail', color: COLORS.fail },
      { key: 'skip', label: 'skip', color: COLORS.skip },
    ],
    rows: m.artifacts.map((a) => {
      const row = { label: a.identity.reference, values: { ...a.checks } };
      return a.intact ? row : { ...row, note: 'TAMPERED' };
    }),
  });
  const perPolicy = stackedBarChart({
    title: 'Lint findings per policy',
    series: [
      { key: 'error', label: 'error', color: COLORS.error },
      { key: 'warning', label: 'warning', color: COLORS.warning },
      { key: 'info', label: 'info', color: COLORS.info },
    ],
    rows: m.policies.filter((p) => p.total > 0).map((p) => ({ label: p.id, values: { ...p.counts } })),
  });
  return (
    `<section class="block" id="charts"><div class="charts">` +
    `<figure><figcaption>Checks per artifact</figcaption>${perImage}</figure>` +
    `<figure><figcaption>Lint findings per policy</figcaption>${perPolicy}</figure></div></section>`
  );
}

function overview(m: ReportModel): string {
  const rows = m.artifacts
    .map((a) => {
      const f = a.lint.counts;
      return (
        `<tr${a.supersededBy ? ' class="superseded"' : ''}><td>${pill(a.status)}${a.supersededBy ? `<br>${pill('superseded')}` : ''}</td><td class="wrap"><a href="#${a.anchor}">${html(a.identity.reference)}</a><br>` +
        `<span class="muted mono">${html(truncate(a.identity.id, 40))}</span></td>` +
        `<td class="wrap">${html(a.identity.template?.path ?? '—')}</td><td class="mono nowrap">${html(a.identity.git ? shortHash(a.identity.git.sha) : '—')}</td>` +
        `${countsCell(a.checks)}<td class="num">${f.error + f.warning + f.info}</td>` +
        `<td class="num">${duration(a.timings.totalMs)}</td></tr>`
      );
    })
    .join('');
  return (
    `<section class="block" id="overview"><h2>Artifacts</h2><table><thead><tr><th>Status</th><th>Artifact</th>` +
    `<th>Template</th><th>Git</th><th class="num">Pass</th><th class="num">Fail</th><th class="num">Skip</th>` +
    `<th class="num">Findings</th><th class="num">Time</th></tr></thead><tbody>${rows}</tbody></table></section>`
  );
}

function controlTable(m: ReportModel): string {
  const n = m.artifacts.length - m.controlsExcludedTampered;
  const row = (c: ControlRow) =>
    `<tr><td class="mono">${html(c.id)}</td><td>${pill(c.status)}</td><td>${c.evidence
      .map(
        (e) =>
          `${e.kind === 'policy' ? 'policy' : 'check'} <code>${html(e.ref)}</code> <span class="muted">(${e.via})</span>` +
          (e.notApplicable
            ? ` <span class="muted">· n/a for ${plural(e.notApplicable, 'artifact')}</span>`
            : ''),
      )
      .join('<br>')}</td><td class="num">${c.coveredArtifacts}/${n}</td>${countsCell(c)}</tr>`;
  const note =
    m.controlsExcludedTampered > 0
      ? `<p class="failure">${plural(m.controlsExcludedTampered, 'tampered verdict')} left out of this view.</p>`
      : '';
  const body =
    m.controls.length === 0
      ? `<p class="muted">No control references: add <code>controls:</code> to policies, <code>meta.controls</code> or <code>meta.cis</code> to suite resources, or a <code>controls:</code> map to imagegate.yaml.</p>`
      : `<table id="control-table"><thead><tr><th>Control</th><th>Status</th><th>Evidence</th><th class="num">Artifacts covered</th>` +
        `<th class="num">Pass</th><th class="num">Fail</th><th class="num">Skip</th></tr></thead><tbody>${m.controls.map(row).join('')}</tbody></table>`;
  return `<section class="block" id="controls"><h2>Controls</h2>${note}${body}</section>`;
}

function identity(a: ArtifactSection): string {
  const id = a.identity;
  const items: [string, string][] = [
    ['Kind', html(id.kind)],
    ['ID', `<span class="mono">${html(id.id)}</span>`],
    ['Digest', id.digest ? `<span class="mono">${html(id.digest)}</span>` : '—'],
    ['Regions', id.regions.length > 0 ? html(id.regions.join(', ')) : '—'],
    [
      'Template',
      id.template
        ? `${html(id.template.path)} <span class="muted mono">${html(shortHash(id.template.digest))}</span>`
        : '—',
    ],
    [
      'Git SHA',
      id.git
        ? `<span class="mono">${html(id.git.sha)}</span>${id.git.dirty ? ' <span class="pill warning">dirty</span>' : ''}`
        : '—',
    ],
    ['Build time', html(id.buildTime ?? 'not recorded')],
    ['Base OS', html(id.baseOs ?? 'not recorded')],
    ['Builder', html(id.builder ?? 'not recorded')],
    ['Packer build', html(id.packerBuild ?? '—')],
    ['Image', html(id.image ?? '—')],
    ['Verdict file', `<span class="mono">${html(a.file)}</span>`],
    ['Attestation sha256', `<span class="mono">${html(a.evidence.digest)}</span>`],
    ['Signed by', html(a.evidence.signer ?? 'no signer named')],
    [
      'Verification',
      a.intact
        ? 'verified'
        : `<span class="failure">${html(`${a.evidence.code ?? 'rejected'}: ${a.evidence.reason ?? ''}`)}</span>`,
    ],
  ];
  return `<dl class="identity">${items.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function guidance(f: FindingRow, policies: ReadonlyMap<string, PolicyUse>): string {
  const info = policies.get(f.policy)?.info;
  if (!info) {
    return `<div class="guidance"><h4><code>${html(f.policy)}</code></h4><p class="muted">No policy description found (policies/${html(f.policy)}.yaml is missing).</p></div>`;
  }
  return (
    `<div class="guidance"><h4><code>${html(info.id)}</code> ${html(info.title ?? '')}</h4>` +
    (info.rationale ? `<p><strong>Why it matters:</strong> ${htmlProse(info.rationale)}</p>` : '') +
    (info.remediation ? `<p><strong>How to fix:</strong> ${htmlProse(info.remediation)}</p>` : '') +
    references(info.references) +
    `</div>`
  );
}

function references(refs: readonly string[]): string {
  if (refs.length === 0) return '';
  const links = refs.map((r) => {
    const url = safeUrl(r.split(' ').at(-1) ?? '');
    return url ? `<a href="${html(url)}" rel="noreferrer">${html(r)}</a>` : html(r);
  });
  return `<p><strong>References:</strong> ${links.join(' · ')}</p>`;
}

/** Policies that had nothing to judge in the template: listed so their silence is not read as a pass. */
function notApplicable(a: ArtifactSection): string {
  if (a.lint.notApplicable.length === 0) return '';
  const ids = a.lint.notApplicable.map((id) => `<code>${html(id)}</code>`).join(', ');
  return `<p class="muted">n/a (nothing to check in this template, counted neither pass nor fail): ${ids}</p>`;
}

function lintSection(a: ArtifactSection, policies: ReadonlyMap<string, PolicyUse>): string {
  if (!a.lint.evaluated)
    return `<h3>Lint</h3><p class="muted">No lint results for this artifact's template.</p>`;
  if (a.lint.findings.length === 0)
    return `<h3>Lint</h3><p>${pill('pass', 'clean')} No findings.</p>${notApplicable(a)}`;
  const rows = a.lint.findings
    .map(
      (f) =>
        `<tr><td>${pill(f.severity)}</td><td><code>${html(f.policy)}</code>${f.policyTitle ? `<br><span class="muted">${html(f.policyTitle)}</span>` : ''}</td>` +
        `<td class="mono loc">${where(f)}</td><td class="msg">${html(f.message)}</td></tr>`,
    )
    .join('');
  const seen = new Set<string>();
  const guide = a.lint.findings
    .filter((f) => !seen.has(f.policy) && seen.add(f.policy))
    .map((f) => guidance(f, policies))
    .join('');
  return (
    `<h3>Lint findings (${a.lint.findings.length})</h3><table><thead><tr><th>Severity</th><th>Policy</th><th>Where</th><th>Message</th></tr></thead>` +
    `<tbody>${rows}</tbody></table>${notApplicable(a)}${guide}`
  );
}

function resourceRows(r: ResourceGroup): string {
  const head =
    `<tr class="resource"><td>${pill(r.status)}</td><td colspan="2"><span class="muted">${html(r.type)}</span> ` +
    `<code>${html(r.id)}</code>${r.title ? ` — ${html(r.title)}` : ''}${r.controls.length > 0 ? ` <span class="muted">[${html(r.controls.join(', '))}]</span>` : ''}</td><td></td></tr>`;
  const checks = r.checks
    .map(
      (c) =>
        `<tr class="check ${c.status}"><td></td><td>${html(c.property)}</td><td class="msg">${pill(c.status)} ` +
        (c.failure ? `<span class="failure">${html(c.failure)}</span>` : html(c.summary)) +
        `</td><td class="num">${c.durationMs} ms</td></tr>`,
    )
    .join('');
  return head + checks;
}

function suiteSection(s: SuiteSection): string {
  const table = (rs: readonly ResourceGroup[]) =>
    `<table class="suite"><thead><tr><th class="result">Result</th><th>Check</th><th>Outcome</th><th class="num">Time</th></tr></thead><tbody>${rs.map(resourceRows).join('')}</tbody></table>`;
  const open = s.resources.filter((r) => r.status !== 'pass');
  const passed = s.resources.filter((r) => r.status === 'pass');
  return (
    `<h3>Suite <code>${html(s.name)}</code> <span class="muted">— ${s.counts.pass} pass · ${s.counts.fail} fail · ` +
    `${s.counts.skip} skip · ${duration(s.durationMs)} · digest ${html(shortHash(s.digest))}</span></h3>` +
    (open.length > 0 ? table(open) : '') +
    (passed.length > 0
      ? `<details${open.length === 0 ? ' open' : ''}><summary>${plural(passed.length, 'passing resource')}</summary>${table(passed)}</details>`
      : '')
  );
}

function history(a: ArtifactSection): string {
  if (a.history.length === 0) return `<h3>Promotion history</h3><p class="muted">No promotions recorded.</p>`;
  const rows = a.history
    .map(
      (h) =>
        `<tr><td class="mono nowrap">${html(h.at || '—')}</td><td>${html(h.kind)}</td><td>${html(h.stage ?? '')}</td>` +
        `<td>${html(h.status)}</td><td class="msg">${html(h.detail ?? '')}${h.otherVerdict ? `<br><span class="failure">on another verdict: sha256 ${html(shortHash(h.otherVerdict))}</span>` : ''}${h.unverified ? `<br><span class="failure">⚠ unverified record: ${html(h.unverified)}</span>` : ''}</td><td class="muted mono">${html(h.source)}</td></tr>`,
    )
    .join('');
  return (
    `<h3>Promotion history</h3><table><thead><tr><th>When</th><th>Kind</th><th>Stage</th><th>Status</th><th>Detail</th>` +
    `<th>Source</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

function artifactSection(a: ArtifactSection, policies: ReadonlyMap<string, PolicyUse>): string {
  const t = a.timings;
  const tamper = a.intact
    ? ''
    : `<div class="alert" role="alert"><strong>⚠ Not verified:</strong> ${html(a.evidence.reason ?? '')} ` +
      `(attestation sha256 <code>${html(a.evidence.digest)}</code>)${a.claimedPassed ? '; it claims to have passed' : ''}. Treat everything below as untrusted.</div>`;
  const superseded = a.supersededBy
    ? `<p class="muted"><strong>Superseded:</strong> a newer verdict for the same image, <a href="#${a.supersededBy.anchor}">${html(a.supersededBy.reference)}</a> (finished ${html(a.supersededBy.finishedAt)}), is the current one; this one is history.</p>`
    : '';
  return (
    `<section class="block artifact" id="${a.anchor}"><div class="artifact-head">${pill(a.status)}${a.supersededBy ? pill('superseded') : ''}<h2>${html(a.identity.reference)}</h2></div>` +
    `${tamper}${superseded}${identity(a)}` +
    (a.error ? `<p class="failure"><strong>Error:</strong> ${html(a.error)}</p>` : '') +
    (a.logs
      ? `<details class="logs"><summary>Target logs (last lines)</summary><pre>${html(a.logs)}</pre></details>`
      : '') +
    `<p class="timings muted"><span>started ${html(t.startedAt)}</span><span>total ${duration(t.totalMs)}</span>` +
    `<span>boot ${duration(t.bootMs)}</span><span>suites ${duration(t.suiteMs)}</span><span>teardown ${duration(t.teardownMs)}</span></p>` +
    lintSection(a, policies) +
    (a.suites.length > 0
      ? a.suites.map(suiteSection).join('')
      : `<h3>Suites</h3><p class="muted">No suite results.</p>`) +
    history(a) +
    `</section>`
  );
}

function policyAppendix(m: ReportModel): string {
  const used = m.policies.filter((p) => p.total > 0 || (p.info?.controls.length ?? 0) > 0);
  if (used.length === 0) return '';
  const rows = used
    .map((p) => {
      const i = p.info;
      return (
        `<tr><td><code>${html(p.id)}</code>${i?.title ? `<br>${html(i.title)}` : ''}</td><td>${i?.severity ? pill(i.severity) : '—'}</td>` +
        `<td class="num">${p.total}</td><td class="msg">${i ? `${htmlProse(i.rationale)}${i.remediation ? `<br><strong>Fix:</strong> ${htmlProse(i.remediation)}` : ''}` : '<span class="muted">policy file not found</span>'}</td>` +
        `<td class="mono">${html(i?.controls.join(', ') ?? '')}</td></tr>`
      );
    })
    .join('');
  return (
    `<section class="block" id="policies"><h2>Policies</h2><table><thead><tr><th>Policy</th><th>Severity</th><th class="num">Findings</th>` +
    `<th>Rationale and remediation</th><th>Controls</th></tr></thead><tbody>${rows}</tbody></table></section>`
  );
}

function unattachedFindings(m: ReportModel, policies: ReadonlyMap<string, PolicyUse>): string {
  if (m.unattachedFindings.length === 0) return '';
  const rows = m.unattachedFindings
    .map(
      (f) =>
        `<tr><td>${pill(f.severity)}</td><td><code>${html(f.policy)}</code></td><td class="mono loc">${where(f)}</td>` +
        `<td class="msg">${html(f.message)}</td><td class="msg">${htmlProse(policies.get(f.policy)?.info?.remediation)}</td></tr>`,
    )
    .join('');
  return (
    `<section class="block" id="other-findings"><h2>Lint findings for templates without a verdict</h2><table><thead><tr><th>Severity</th>` +
    `<th>Policy</th><th>Where</th><th>Message</th><th>How to fix</th></tr></thead><tbody>${rows}</tbody></table></section>`
  );
}

function recordTable(id: string, title: string, rows: readonly RecordRow[]): string {
  if (rows.length === 0) return '';
  const body = rows
    .map(
      (r) =>
        `<tr><td class="mono nowrap">${html(r.at ?? '—')}</td><td class="mono nowrap">${html(r.subject ?? '')}</td><td>${html(r.action ?? '')}</td>` +
        `<td>${html(r.status ?? '')}</td><td class="msg">${html(r.detail ?? '')}</td><td class="muted mono">${html(r.source)}</td></tr>`,
    )
    .join('');
  return (
    `<section class="block" id="${id}"><h2>${html(title)}</h2><table><thead><tr><th>When</th><th>Subject</th><th>Action</th>` +
    `<th>Status</th><th>Detail</th><th>Source</th></tr></thead><tbody>${body}</tbody></table></section>`
  );
}

function inputsSection(m: ReportModel): string {
  const rows = m.inputs
    .map(
      (f) =>
        `<tr><td>${html(f.kind)}</td><td class="mono">${html(f.path)}</td><td class="mono">${html(f.sha256)}</td></tr>`,
    )
    .join('');
  const notes =
    m.notes.length > 0 ? `<h3>Notes</h3><ul>${m.notes.map((n) => `<li>${html(n)}</li>`).join('')}</ul>` : '';
  return (
    `<section class="block" id="inputs"><h2>Inputs</h2><p class="muted">Every file this report was built from, with its sha256.</p>` +
    `<table><thead><tr><th>Kind</th><th>File</th><th>sha256</th></tr></thead><tbody>${rows}</tbody></table>${notes}</section>`
  );
}

function overallStatus(m: ReportModel): string {
  if (m.summary.tampered > 0) return pill('tampered', 'tampered evidence');
  if (m.summary.failed > 0) return pill('failed', `${m.summary.failed} failed`);
  return pill('passed', 'all passed');
}

export function renderHtml(m: ReportModel): string {
  const policies = new Map(m.policies.map((p) => [p.id, p]));
  const csp = [
    "default-src 'none'",
    `style-src ${cspHash(CSS)}`,
    `script-src ${cspHash(SCRIPT)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const body = [
    tamperBanner(m),
    summary(m),
    charts(m),
    overview(m),
    controlTable(m),
    ...m.artifacts.map((a) => artifactSection(a, policies)),
    fleetHtml(m.fleet ?? []),
    policyAppendix(m),
    unattachedFindings(m, policies),
    recordTable(
      'other-promotions',
      'Promotion records for artifacts not in this report',
      m.unattachedPromotions,
    ),
    recordTable('retention', 'Retention (prune plans and audit log)', m.retention),
    inputsSection(m),
  ].join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="imagegate ${html(m.tool.version)}">
<title>${html(m.title)}</title>
<style>${CSS}</style></head>
<body>
<header class="top"><div class="overall">${overallStatus(m)}</div><h1>${html(m.title)}</h1>
<div class="meta">Generated ${html(m.generatedAt)} by imagegate ${html(m.tool.version)} · ${plural(m.summary.artifacts, 'artifact')}</div></header>
<main>
${body}
</main>
<footer>Each verdict is a DSSE-signed in-toto attestation, verified against the trust policy in imagegate.yaml (signature, signer, schema, consistency). Report schema ${html(m.schema)}.</footer>
<script>${SCRIPT}</script>
</body></html>
`;
}
