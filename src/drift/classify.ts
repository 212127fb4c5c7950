/**
 * The judgement, pure: a live run compared with the promoted verdict, and a host's findings.
 * Drift is a check that passed when the image was tested and fails on the host now (or a
 * live-only check failing, which the image test never ran by design).
 */
import type { Verdict } from '../evidence/verdict.js';
import { phaseInMeta } from '../suite/phase.js';
import type { TestResult } from '../suite/result.js';
import type {
  CheckRef,
  DriftedCheck,
  DriftReport,
  DriftSummary,
  FailingCheck,
  FindingKind,
  Host,
  HostImage,
  HostReport,
  SkippedCheck,
} from './model.js';

type ResultLike = Pick<
  TestResult,
  'resource-type' | 'resource-id' | 'property' | 'result' | 'summary-line' | 'meta'
>;

export function checkKey(r: Pick<TestResult, 'resource-type' | 'resource-id' | 'property'>): string {
  return `${r['resource-type']}\0${r['resource-id']}\0${r.property}`;
}

function ref(r: ResultLike): CheckRef {
  return { type: r['resource-type'], id: r['resource-id'], property: r.property };
}

function liveOnly(r: ResultLike): boolean {
  return phaseInMeta(r.meta) === 'live';
}

export interface Comparison {
  drifted: DriftedCheck[];
  unverified: FailingCheck[];
  skipped: SkippedCheck[];
}

/** Compare the results a host gives now with those its image's verdict recorded. */
export function compareRuns(promoted: readonly ResultLike[], live: readonly ResultLike[]): Comparison {
  const passedThen = new Set(promoted.filter((r) => r.result === 0).map(checkKey));
  const out: Comparison = { drifted: [], unverified: [], skipped: [] };
  for (const r of live) {
    if (r.result === 2) {
      const reason = /: skipped \((.*)\)$/s.exec(r['summary-line'])?.[1] ?? 'skip: true in the suite';
      out.skipped.push({ ...ref(r), reason });
      continue;
    }
    if (r.result !== 1) continue;
    const now = r['summary-line'];
    if (passedThen.has(checkKey(r))) out.drifted.push({ ...ref(r), was: 'passed at promotion', now });
    else if (liveOnly(r)) out.drifted.push({ ...ref(r), was: 'live-only check', now });
    else out.unverified.push({ ...ref(r), now });
  }
  return out;
}

/** A candidate successor: a verified, passing verdict found beside the host's own. */
export interface Candidate {
  verdict: Verdict;
}

/**
 * The newest verified, passing verdict for the same image (its imagegate.yaml name, else the
 * same repository or reference) about another artifact and tested later than the host's own.
 */
export function newerSuccessor(current: Verdict, candidates: readonly Candidate[]): Verdict | undefined {
  const family = familyOf(current);
  if (family === undefined) return undefined;
  return candidates
    .map((c) => c.verdict)
    .filter(
      (v) =>
        v.passed &&
        familyOf(v) === family &&
        v.artifact.id !== current.artifact.id &&
        v.artifact.kind === current.artifact.kind &&
        v.timings.finishedAt > current.timings.finishedAt,
    )
    .sort((a, b) => a.timings.finishedAt.localeCompare(b.timings.finishedAt))
    .at(-1);
}

/** What makes two verdicts versions of one image: the imagegate.yaml name, else the repository. */
function familyOf(v: Verdict): string | undefined {
  if (v.image) return `image:${v.image}`;
  const reference = v.artifact.reference;
  if (v.artifact.kind === 'ami' || /^(sha256:|ami-)/.test(reference)) return undefined;
  // `HOST/REPO@sha256:…` and `HOST/REPO:TAG` → `HOST/REPO`; a port colon is before the last slash.
  const at = reference.indexOf('@');
  const bare = at >= 0 ? reference.slice(0, at) : reference;
  const colon = bare.lastIndexOf(':');
  return `repo:${colon > bare.lastIndexOf('/') ? bare.slice(0, colon) : bare}`;
}

/** Everything learnt about one host, before judgement. */
export interface HostOutcome {
  host: Host;
  image?: HostImage;
  /** The transport or collector failed: nothing was checked. */
  unreachable?: string;
  /** No valid, passing verdict for the image: why (the refusal `verify` would print). */
  refused?: string;
  verdict?: HostReport['verdict'];
  successor?: HostReport['successor'];
  comparison?: Comparison;
  changedSuites?: string[];
  counts?: HostReport['checks'];
}

/** Worst first: what a fleet owner must act on before what is merely late. */
const SEVERITY: FindingKind[] = ['drift', 'unpromoted', 'retired', 'unreachable', 'superseded'];

export function classifyHost(o: HostOutcome): HostReport {
  const findings: FindingKind[] = [];
  const reasons: string[] = [];
  if (o.comparison && o.comparison.drifted.length > 0) findings.push('drift');
  if (o.refused !== undefined) {
    findings.push('unpromoted');
    reasons.push(o.refused);
  }
  if (o.host.retired !== undefined) {
    findings.push('retired');
    reasons.push(o.host.retired);
  }
  if (o.unreachable !== undefined) {
    findings.push('unreachable');
    reasons.push(o.unreachable);
  }
  if (o.successor) findings.push('superseded');
  findings.sort((a, b) => SEVERITY.indexOf(a) - SEVERITY.indexOf(b));
  const image = o.image ?? o.host.image;
  return {
    host: o.host.name,
    target: o.host.target,
    source: o.host.source,
    ...(image ? { image: image.reference, imageId: image.id } : {}),
    status: findings[0] ?? 'ok',
    findings,
    reasons,
    drifted: o.comparison?.drifted ?? [],
    unverified: o.comparison?.unverified ?? [],
    skipped: o.comparison?.skipped ?? [],
    ...(o.verdict ? { verdict: o.verdict } : {}),
    ...(o.successor ? { successor: o.successor } : {}),
    changedSuites: o.changedSuites ?? [],
    checks: o.counts ?? { total: 0, failed: 0, skipped: 0 },
  };
}

export function summarise(hosts: readonly HostReport[]): DriftSummary {
  const count = (k: FindingKind) => hosts.filter((h) => h.findings.includes(k)).length;
  return {
    hosts: hosts.length,
    ok: hosts.filter((h) => h.status === 'ok').length,
    drift: count('drift'),
    unpromoted: count('unpromoted'),
    retired: count('retired'),
    superseded: count('superseded'),
    unreachable: count('unreachable'),
  };
}

export const EXIT_DRIFT = 1;
export const EXIT_UNREACHABLE = 3;

/**
 * 1 when any host drifted or runs an image that is unpromoted or retired (a finding is
 * certain); else 3 when a host could not be checked; else 0. A newer successor alone is
 * reported, not failed: rolling forward is a schedule, not an incident.
 */
export function exitCodeOf(
  report: Pick<DriftReport, 'summary'> & { hosts?: readonly { unverified: readonly unknown[] }[] },
  opts: { failOnUnverified?: boolean } = {},
): number {
  const s = report.summary;
  if (s.drift + s.unpromoted + s.retired > 0) return EXIT_DRIFT;
  // Teams that edit suites between promotions: a check failing now that was never passed is
  // not drift, but may still have to stop the schedule.
  if (opts.failOnUnverified && report.hosts?.some((h) => h.unverified.length > 0)) return EXIT_DRIFT;
  if (s.unreachable > 0) return EXIT_UNREACHABLE;
  return 0;
}
