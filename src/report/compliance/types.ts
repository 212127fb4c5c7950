/**
 * The compliance report: its inputs (already read from disk) and the model every renderer
 * (html, markdown, json, junit) draws from. The model is plain data so that the JSON output is
 * simply the model, and so that renderers never decide anything an auditor would care about.
 */
import type { Verdict } from '../../evidence/verdict.js';
import type { FleetSection } from './fleet.js';

export type FindingSeverity = 'error' | 'warning' | 'info';

export interface LintFinding {
  policy: string;
  severity: FindingSeverity;
  message: string;
  file: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

/** What a policy file says about itself; every field but `id` may be missing. */
export interface PolicyInfo {
  id: string;
  title?: string;
  severity?: string;
  rationale?: string;
  remediation?: string;
  references: string[];
  controls: string[];
  /** Where it was read from. */
  file?: string;
}

/** A JSON object read from a JSON or JSONL input, with where it came from. */
export interface SourcedRecord {
  file: string;
  /** 1-based line for JSONL inputs; 1-based item number for JSON inputs (`item` set). */
  line: number;
  item?: boolean;
  record: Record<string, unknown>;
  /**
   * For imagegate's own promotion records: whether the signed attestation on the line verifies
   * under a trusted key. A record without one (hand-written) proves nothing and is flagged.
   */
  signature?: { verified: boolean; reason?: string };
}

export interface InputFile {
  path: string;
  kind: 'verdict' | 'lint' | 'promotion' | 'prune' | 'policy' | 'config';
  sha256: string;
}

/** The outcome of verifying one evidence file against the trust policy. */
export interface EvidenceCheck {
  verified: boolean;
  /** Why not, as a kind (evidence/verify.ts RejectCode) and one line. */
  code?: string;
  reason?: string;
  /** Trusted key that verified it, or the key id the envelope names when it did not verify. */
  signer?: string;
  /** sha256 of the evidence file (the DSSE envelope bytes). */
  digest: string;
}

export interface ReportInputs {
  /** `verdict` is what the evidence claims; only `check.verified` makes it count. */
  verdicts: { file: string; verdict: Verdict; check: EvidenceCheck }[];
  /** `imagegate lint --format json` outputs; `notApplicable` maps a template path to policy ids. */
  lint: { file: string; findings: LintFinding[]; notApplicable?: Record<string, string[]> }[];
  policies: PolicyInfo[];
  promotions: SourcedRecord[];
  prune: SourcedRecord[];
  /** imagegate.yaml `controls:` — control id → policy ids or suite check selectors. */
  controls: Record<string, string[]>;
  files: InputFile[];
  /** Problems reading inputs that did not stop the report (a missing policy file, …). */
  notes: string[];
}

export interface ReportOptions {
  title: string;
  generatedAt: string;
  toolVersion: string;
}

export type ArtifactStatus = 'passed' | 'failed' | 'tampered';
export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface Identity {
  kind: string;
  id: string;
  reference: string;
  digest?: string;
  regions: string[];
  image?: string;
  template?: { path: string; digest: string };
  git?: { sha: string; dirty: boolean };
  buildTime?: string;
  baseOs?: string;
  /** Who built it, from the image's stamps (`dev.imagegate.builder`, a `Builder` tag). */
  builder?: string;
  /** The Packer build that produced it (`docker.web`), from the manifest. */
  packerBuild?: string;
}

export interface CheckRow {
  property: string;
  status: CheckStatus;
  /** goss's one-line summary, or the error. */
  summary: string;
  /** Why it failed, in words (error, expected vs actual); empty when it passed. */
  failure?: string;
  expected?: string;
  actual?: string;
  durationMs: number;
}

export interface ResourceGroup {
  type: string;
  id: string;
  title: string;
  status: CheckStatus;
  controls: string[];
  checks: CheckRow[];
}

export interface SuiteSection {
  name: string;
  digest: string;
  counts: Counts;
  durationMs: number;
  resources: ResourceGroup[];
}

export interface Counts {
  pass: number;
  fail: number;
  skip: number;
}

export interface FindingRow extends LintFinding {
  policyTitle?: string;
}

export interface HistoryEvent {
  at: string;
  kind: 'promotion' | 'retention';
  stage?: string;
  status: string;
  detail?: string;
  /** `verdict` for promotions recorded in the verdict itself, else the input file:line. */
  source: string;
  /** The verdict sha256 a promotion record cites, when it is not this verdict's. */
  otherVerdict?: string;
  /** Why a promotion record is not to be believed: unsigned, or signed by no trusted key. */
  unverified?: string;
}

export interface Timings {
  startedAt: string;
  finishedAt: string;
  totalMs?: number;
  bootMs?: number;
  suiteMs?: number;
  teardownMs?: number;
}

export interface ArtifactSection {
  /** Stable anchor for links within the report; never derived from user data. */
  anchor: string;
  file: string;
  status: ArtifactStatus;
  /** What the verdict claims, even when it was tampered with. */
  claimedPassed: boolean;
  /** Verified: signed by a trusted key, schema-valid, self-consistent. Only then does it count. */
  intact: boolean;
  evidence: EvidenceCheck;
  identity: Identity;
  error?: string;
  /** The tail of the target's logs, kept by the verdict when the test did not pass. */
  logs?: string;
  timings: Timings;
  lint: {
    counts: Record<FindingSeverity, number>;
    findings: FindingRow[];
    evaluated: boolean;
    /**
     * Policies the lint found nothing to judge in this artifact's template (shown as n/a): they
     * count neither as passed nor as failed. Empty for evidence that does not say.
     */
    notApplicable: string[];
  };
  checks: Counts;
  suites: SuiteSection[];
  history: HistoryEvent[];
  tool: string;
  /**
   * A newer intact verdict for the same artifact reference (tag) or the same image's Packer
   * build: this one is history, that one is current. Still shown and counted.
   */
  supersededBy?: { anchor: string; reference: string; finishedAt: string };
}

export interface ControlEvidence {
  kind: 'policy' | 'check';
  /** Policy id, or a check selector (`file:/etc/passwd`, `suite:builtin:cleanup`). */
  ref: string;
  /** How this evidence got attached to the control. */
  via: 'policy' | 'meta' | 'config';
  pass: number;
  fail: number;
  skip: number;
  /** Policy evidence only: artifacts whose template the policy did not apply to. */
  notApplicable?: number;
}

/**
 * `not-applicable`: every piece of evidence was a policy with nothing to judge in the artifacts'
 * templates (an AMI control in a docker-only repository), so there is nothing to cover.
 */
export type ControlStatus = 'pass' | 'fail' | 'not-covered' | 'not-applicable';

export interface ControlRow {
  id: string;
  status: ControlStatus;
  evidence: ControlEvidence[];
  /** Artifacts with at least one evaluated piece of evidence for this control. */
  coveredArtifacts: number;
  pass: number;
  fail: number;
  skip: number;
}

export interface PolicyUse {
  id: string;
  info?: PolicyInfo;
  counts: Record<FindingSeverity, number>;
  total: number;
}

export interface Summary {
  artifacts: number;
  passed: number;
  failed: number;
  tampered: number;
  /** Verdicts a newer one replaced (see `ArtifactSection.supersededBy`). */
  superseded: number;
  checks: Counts;
  findings: Record<FindingSeverity, number>;
  controls: { total: number; pass: number; fail: number; notCovered: number; notApplicable: number };
}

export interface RecordRow {
  source: string;
  at?: string;
  subject?: string;
  action?: string;
  status?: string;
  detail?: string;
}

export interface ReportModel {
  schema: 'imagegate.report/v1';
  title: string;
  generatedAt: string;
  tool: { name: 'imagegate'; version: string };
  summary: Summary;
  artifacts: ArtifactSection[];
  controls: ControlRow[];
  /** Tampered verdicts are left out of control evidence; this says how many. */
  controlsExcludedTampered: number;
  policies: PolicyUse[];
  /** Lint findings for templates no verdict names. */
  unattachedFindings: FindingRow[];
  /** Promotion records and prune/audit entries no artifact in this report matches. */
  unattachedPromotions: RecordRow[];
  retention: RecordRow[];
  inputs: InputFile[];
  notes: string[];
  /** Hosts × drift, from `imagegate drift --format json` files (`report --drift FILE`). */
  fleet?: FleetSection[];
}
