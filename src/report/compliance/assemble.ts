/**
 * Inputs → report model. Pure: everything read from disk arrives in `ReportInputs`, the clock
 * arrives in `ReportOptions`, and the same inputs always give the same model.
 */
import type { Verdict } from '../../evidence/verdict.js';
import type { TestResult } from '../../suite/result.js';
import { buildControls, metaControls } from './controls.js';
import { findingKey, inTemplate, parseFinding, samePath, severityRank } from './findings.js';
import { identityOf } from './identity.js';
import { normalizeId, pick, pushedDigestOf, recordRow, regionsOf, subjectsOf } from './records.js';
import type {
  ArtifactSection,
  CheckRow,
  CheckStatus,
  Counts,
  FindingRow,
  FindingSeverity,
  HistoryEvent,
  LintFinding,
  PolicyInfo,
  PolicyUse,
  ReportInputs,
  ReportModel,
  ReportOptions,
  ResourceGroup,
  SourcedRecord,
  SuiteSection,
} from './types.js';

/** Long expected/actual values are cut so one noisy check cannot swamp the report. */
const MAX_VALUE_CHARS = 2000;

function valueText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined) return undefined;
  return text.length > MAX_VALUE_CHARS
    ? `${text.slice(0, MAX_VALUE_CHARS)}… (${text.length - MAX_VALUE_CHARS} more characters)`
    : text;
}

/** The last lines of a log: the end is where a failure shows. */
const MAX_LOG_LINES = 60;

function tail(log: string): string {
  const lines = log.trimEnd().split('\n');
  const kept = lines.slice(-MAX_LOG_LINES).map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l));
  return lines.length > MAX_LOG_LINES
    ? [`… ${lines.length - MAX_LOG_LINES} earlier lines`, ...kept].join('\n')
    : kept.join('\n');
}

function checkStatus(r: TestResult): CheckStatus {
  if (r.skipped || r.result === 2) return 'skip';
  return r.successful && r.result === 0 ? 'pass' : 'fail';
}

function checkRow(r: TestResult): CheckRow {
  const status = checkStatus(r);
  const m = r['matcher-result'] ?? { message: '' };
  const row: CheckRow = {
    property: r.property,
    status,
    summary: r['summary-line'] || `${r['resource-type']}: ${r['resource-id']}: ${r.property}`,
    durationMs: Math.round((r.duration ?? 0) / 1e4) / 100,
  };
  const expected = valueText(m.expected);
  const actual = valueText(m.actual);
  if (expected !== undefined) row.expected = expected;
  if (actual !== undefined) row.actual = actual;
  if (status === 'fail') {
    const parts: string[] = [];
    if (r.err) parts.push(r.err);
    else {
      if (m.message) parts.push(`matcher ${m.message}`);
      if (expected !== undefined) parts.push(`expected ${expected}`);
      if (actual !== undefined) parts.push(`got ${actual}`);
    }
    for (const k of ['missing-elements', 'extra-elements'] as const) {
      const v = m[k];
      if (Array.isArray(v) && v.length > 0) parts.push(`${k.replace('-', ' ')}: ${valueText(v)}`);
    }
    row.failure = parts.join('; ') || r['summary-line'];
  }
  return row;
}

function counts(statuses: Iterable<CheckStatus>): Counts {
  const c: Counts = { pass: 0, fail: 0, skip: 0 };
  for (const s of statuses) c[s]++;
  return c;
}

function groupStatus(c: Counts): CheckStatus {
  if (c.fail > 0) return 'fail';
  return c.pass > 0 ? 'pass' : 'skip';
}

function suiteSection(
  name: string,
  digest: string,
  results: readonly TestResult[],
  totalNs: number,
): SuiteSection {
  const groups = new Map<string, { first: TestResult; rows: CheckRow[]; controls: Set<string> }>();
  for (const r of results) {
    const key = `${r['resource-type']}\u0000${r['resource-id']}`;
    const g = groups.get(key) ?? { first: r, rows: [], controls: new Set<string>() };
    g.rows.push(checkRow(r));
    for (const c of metaControls(r.meta)) g.controls.add(c);
    groups.set(key, g);
  }
  const resources: ResourceGroup[] = [...groups.values()].map((g) => {
    const c = counts(g.rows.map((row) => row.status));
    return {
      type: g.first['resource-type'],
      id: g.first['resource-id'],
      title: g.first.title ?? '',
      status: groupStatus(c),
      controls: [...g.controls].sort(),
      checks: g.rows,
    };
  });
  // Failures first so a reader sees what broke without scrolling past what passed.
  const order: Record<CheckStatus, number> = { fail: 0, skip: 1, pass: 2 };
  resources.sort((a, b) => order[a.status] - order[b.status]);
  return {
    name,
    digest,
    counts: counts(resources.flatMap((r) => r.checks.map((c) => c.status))),
    durationMs: Math.round(totalNs / 1e4) / 100,
    resources,
  };
}

function sumCounts(list: readonly Counts[]): Counts {
  return list.reduce((a, c) => ({ pass: a.pass + c.pass, fail: a.fail + c.fail, skip: a.skip + c.skip }), {
    pass: 0,
    fail: 0,
    skip: 0,
  });
}

function severityCounts(findings: readonly LintFinding[]): Record<FindingSeverity, number> {
  const c: Record<FindingSeverity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}

function withTitle(f: LintFinding, policies: ReadonlyMap<string, PolicyInfo>): FindingRow {
  const title = policies.get(f.policy)?.title;
  return title ? { ...f, policyTitle: title } : { ...f };
}

function sortFindings(list: FindingRow[]): FindingRow[] {
  return list.sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      a.file.localeCompare(b.file) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.policy.localeCompare(b.policy),
  );
}

/**
 * Policy ids the verdict's lint calls not applicable, read tolerantly (verdicts are read from
 * disk; older ones lack the field, so every policy counts as applied); else what a `--lint`
 * file says of the verdict's template. A policy with a finding for this artifact applied,
 * whatever the lists say.
 */
function notApplicableOf(
  v: Verdict,
  findings: readonly LintFinding[],
  lintInputs: ReportInputs['lint'],
): string[] {
  const raw: unknown = v.lint?.notApplicable;
  const fromInputs = v.template
    ? lintInputs.flatMap((l) =>
        Object.entries(l.notApplicable ?? {})
          .filter(([template]) => samePath(template, v.template!.path))
          .flatMap(([, ids]) => ids),
      )
    : [];
  const listed = Array.isArray(raw) ? raw : fromInputs;
  const ids = listed.filter((id): id is string => typeof id === 'string' && id !== '');
  return [...new Set(ids)].filter((id) => !findings.some((f) => f.policy === id)).sort();
}

function artifactKeys(v: Verdict, attestation: string): Set<string> {
  const keys = [v.artifact?.id, v.artifact?.digest, v.artifact?.reference, v.image, attestation];
  return new Set(keys.filter((k): k is string => typeof k === 'string' && k !== '').map(normalizeId));
}

function matches(rec: SourcedRecord, keys: ReadonlySet<string>): boolean {
  return subjectsOf(rec.record).some((s) => keys.has(normalizeId(s)));
}

function durationMs(from: string, to: string): number | undefined {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/**
 * What makes two verdicts about the same thing: the reference the user named (a tag such as
 * `web:dev`), or the same configured image's same Packer build in the same region (each gate
 * run of an AMI gives a new id, but it replaces the last one).
 */
function currentKeys(v: Verdict): string[] {
  const keys = [`ref\u0000${v.artifact?.kind}\u0000${v.artifact?.reference}`];
  if (v.image && v.artifact?.builder)
    keys.push(`build\u0000${v.image}\u0000${v.artifact.builder}\u0000${v.artifact.region ?? ''}`);
  return keys;
}

/** Marks every intact verdict a newer intact one replaces; the newest of each group is current. */
function markSuperseded(artifacts: ArtifactSection[], verdicts: readonly Verdict[]): void {
  const when = (i: number) => verdicts[i]?.timings?.finishedAt ?? '';
  const newest = new Map<string, number>();
  artifacts.forEach((a, i) => {
    if (!a.intact) return;
    for (const k of currentKeys(verdicts[i]!)) {
      const best = newest.get(k);
      // Later in time wins; on a tie the later input does, so the choice is stable.
      if (best === undefined || when(i) >= when(best)) newest.set(k, i);
    }
  });
  artifacts.forEach((a, i) => {
    if (!a.intact) return;
    const newer = currentKeys(verdicts[i]!)
      .map((k) => newest.get(k)!)
      .filter((j) => j !== i)
      .sort((x, y) => when(y).localeCompare(when(x)))[0];
    if (newer === undefined) return;
    const by = artifacts[newer]!;
    a.supersededBy = { anchor: by.anchor, reference: by.identity.reference, finishedAt: when(newer) };
  });
}

export function buildReportModel(inputs: ReportInputs, opts: ReportOptions): ReportModel {
  const policyById = new Map(inputs.policies.map((p) => [p.id, p]));
  const lintInputFindings = inputs.lint.flatMap((l) => l.findings);
  const attached = new Set<string>();
  const usedPromotions = new Set<SourcedRecord>();

  const artifacts: ArtifactSection[] = inputs.verdicts.map(({ file, verdict: v, check }, i) => {
    const intact = check.verified;
    const keys = artifactKeys(v, check.digest);
    const embedded = (v.lint?.findings ?? [])
      .map(parseFinding)
      .filter((f): f is LintFinding => f !== undefined);
    const fromInputs = v.template
      ? lintInputFindings.filter((f) => inTemplate(f.file, v.template!.path))
      : [];
    const seen = new Set<string>();
    const findings: FindingRow[] = [];
    for (const f of [...embedded, ...fromInputs]) {
      const k = findingKey(f);
      attached.add(k);
      if (seen.has(k)) continue;
      seen.add(k);
      findings.push(withTitle(f, policyById));
    }

    const promotions = inputs.promotions.filter((r) => matches(r, keys));
    const retention = inputs.prune.filter((r) => matches(r, keys));
    for (const r of promotions) usedPromotions.add(r);
    const history: HistoryEvent[] = [
      ...(v.promotions ?? []).map((p): HistoryEvent => {
        const e: HistoryEvent = {
          at: p.at,
          kind: 'promotion',
          stage: p.stage,
          status: p.status,
          source: 'verdict',
        };
        if (p.detail) e.detail = p.detail;
        return e;
      }),
      ...[...promotions, ...retention].map((r): HistoryEvent => {
        const row = recordRow(r);
        const isRetention = inputs.prune.includes(r);
        const e: HistoryEvent = {
          at: row.at ?? '',
          kind: isRetention ? 'retention' : 'promotion',
          // `imagegate promote` records only completed promotions, so a record without a status is one.
          status: row.status ?? (isRetention ? (row.action ?? '') : 'promoted'),
          source: row.source,
        };
        const stage = pick(r.record, ['stage', 'to', 'action', 'decision']);
        if (stage) e.stage = stage;
        if (row.detail) e.detail = row.detail;
        if (r.signature && !r.signature.verified) e.unverified = r.signature.reason ?? 'not verified';
        const cited = r.record.attestationSha256 ?? r.record.verdictSha256;
        if (typeof cited === 'string' && cited !== check.digest) e.otherVerdict = cited;
        return e;
      }),
    ].sort((a, b) => a.at.localeCompare(b.at));

    // Verdicts are read from disk: a hand-made or truncated one may lack any field but its identity.
    const suites = (v.suites ?? []).map((s) =>
      suiteSection(s.name, s.digest, s.run?.results ?? [], s.run?.summary?.['total-duration'] ?? 0),
    );
    const t = v.timings ?? { startedAt: '', finishedAt: '' };
    const timings: ArtifactSection['timings'] = { startedAt: t.startedAt, finishedAt: t.finishedAt };
    const total = durationMs(t.startedAt, t.finishedAt);
    if (total !== undefined) timings.totalMs = total;
    for (const k of ['bootMs', 'suiteMs', 'teardownMs'] as const) if (t[k] !== undefined) timings[k] = t[k];

    const section: ArtifactSection = {
      anchor: `artifact-${i + 1}`,
      file,
      status: !intact ? 'tampered' : v.passed ? 'passed' : 'failed',
      claimedPassed: v.passed,
      intact,
      evidence: check,
      identity: identityOf(
        v,
        [...promotions, ...retention].flatMap((r) => regionsOf(r.record)),
        promotions.map((r) => pushedDigestOf(r.record)).filter((d): d is string => d !== undefined),
      ),
      timings,
      lint: {
        counts: severityCounts(findings),
        findings: sortFindings(findings),
        evaluated: v.lint !== undefined || fromInputs.length > 0,
        notApplicable: notApplicableOf(v, findings, inputs.lint),
      },
      checks: sumCounts(suites.map((s) => s.counts)),
      suites,
      history,
      tool: `${v.tool?.name ?? 'unknown'} ${v.tool?.version ?? ''}`.trim(),
    };
    if (v.error) section.error = v.error;
    if (v.logs) section.logs = tail(v.logs);
    return section;
  });

  markSuperseded(
    artifacts,
    inputs.verdicts.map((x) => x.verdict),
  );

  const statusOrder = { tampered: 0, failed: 1, passed: 2 } as const;
  const ordered = artifacts
    .map((a, i) => ({ a, i }))
    .sort((x, y) => statusOrder[x.a.status] - statusOrder[y.a.status] || x.i - y.i)
    .map((x) => x.a);

  const unattachedSeen = new Set<string>();
  const unattachedFindings = sortFindings(
    lintInputFindings
      .filter((f) => {
        const k = findingKey(f);
        if (attached.has(k) || unattachedSeen.has(k)) return false;
        unattachedSeen.add(k);
        return true;
      })
      .map((f) => withTitle(f, policyById)),
  );

  const intactArtifacts = ordered.filter((a) => a.intact);
  const controls = buildControls(intactArtifacts, inputs.policies, inputs.controls);

  // Totals count verified evidence only: what a tampered verdict claims is shown, never summed.
  const allFindings = [...intactArtifacts.flatMap((a) => a.lint.findings), ...unattachedFindings];
  const uses = new Map<string, PolicyUse>();
  const useOf = (id: string): PolicyUse => {
    let u = uses.get(id);
    if (!u) {
      u = { id, counts: { error: 0, warning: 0, info: 0 }, total: 0 };
      const info = policyById.get(id);
      if (info) u.info = info;
      uses.set(id, u);
    }
    return u;
  };
  for (const p of inputs.policies) useOf(p.id);
  for (const f of allFindings) {
    const u = useOf(f.policy);
    u.counts[f.severity]++;
    u.total++;
  }

  return {
    schema: 'imagegate.report/v1',
    title: opts.title,
    generatedAt: opts.generatedAt,
    tool: { name: 'imagegate', version: opts.toolVersion },
    summary: {
      artifacts: ordered.length,
      passed: ordered.filter((a) => a.status === 'passed').length,
      failed: ordered.filter((a) => a.status === 'failed').length,
      tampered: ordered.filter((a) => a.status === 'tampered').length,
      superseded: ordered.filter((a) => a.supersededBy).length,
      checks: sumCounts(intactArtifacts.map((a) => a.checks)),
      findings: severityCounts(allFindings),
      controls: {
        total: controls.length,
        pass: controls.filter((c) => c.status === 'pass').length,
        fail: controls.filter((c) => c.status === 'fail').length,
        notCovered: controls.filter((c) => c.status === 'not-covered').length,
        notApplicable: controls.filter((c) => c.status === 'not-applicable').length,
      },
    },
    artifacts: ordered,
    controls,
    controlsExcludedTampered: ordered.length - intactArtifacts.length,
    policies: [...uses.values()].sort((a, b) => b.total - a.total || a.id.localeCompare(b.id)),
    unattachedFindings,
    unattachedPromotions: inputs.promotions.filter((r) => !usedPromotions.has(r)).map(recordRow),
    retention: inputs.prune.map(recordRow),
    inputs: inputs.files,
    notes: inputs.notes,
  };
}
