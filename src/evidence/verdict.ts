/**
 * A verdict is the evidence for one artifact: what was tested, how, and with what result. It
 * travels as the predicate of a signed in-toto Statement (see sign.ts, verify.ts and
 * docs/evidence.md); promotion reads it only through a verified signature.
 */
import type { SuiteRun } from '../suite/result.js';

export type ArtifactKind = 'docker-image' | 'ami';

export interface ArtifactRef {
  kind: ArtifactKind;
  /** Docker image id (`sha256:…`) or AMI id. */
  id: string;
  /** Repo digest(s) for images; region for AMIs. */
  digest?: string;
  region?: string;
  /** AMIs: the owning account, when the tester knows it (part of the attestation subject). */
  account?: string;
  /** What the user named: `web:1.2`, `ami-0abc`, `examples/web/manifest.json#0`. */
  reference: string;
  /** Packer build name / builder type when it came from a manifest. */
  builder?: string;
}

/**
 * The image a build started from, as resolved when it ran: the AMI Packer's `source_ami_filter`
 * found, or the docker base image pulled. `plan --stale` compares it with what the same filter or
 * tag resolves to now. Verdicts written before this field existed lack it: an unknown base.
 */
export interface BaseImage {
  kind: ArtifactKind;
  /** AMI id, or the docker image id of the base (`sha256:…`). */
  id?: string;
  /** What the template named: `debian:bookworm`; absent for a filtered AMI. */
  reference?: string;
  /** Docker: the registry digest the base was pulled by (`debian@sha256:…`). */
  digest?: string;
  region?: string;
}

export interface SuiteEvidence {
  /** File path or `builtin:cleanup`. */
  name: string;
  /** sha256 of the rendered suite (after vars/templates), hex. */
  digest: string;
  run: SuiteRun;
}

export interface LintSummary {
  errors: number;
  warnings: number;
  infos: number;
  /** Findings are kept in full so a report can show them. */
  findings: unknown[];
  /**
   * Policies that had nothing to judge in the template: neither passed nor failed. Verdicts
   * written before this field existed lack it, and then every policy counts as applied.
   */
  notApplicable?: string[];
}

export interface Verdict {
  schema: 'imagegate.verdict/v1';
  artifact: ArtifactRef;
  image?: string;
  template?: { path: string; digest: string };
  /** What the build started from (see BaseImage); absent in older verdicts. */
  base?: BaseImage;
  git?: { sha: string; dirty: boolean };
  lint?: LintSummary;
  suites: SuiteEvidence[];
  target: Record<string, unknown>;
  timings: { startedAt: string; finishedAt: string; bootMs?: number; suiteMs?: number; teardownMs?: number };
  passed: boolean;
  /** Why it failed when it is not a suite failure (boot error, infra). */
  error?: string;
  logs?: string;
  promotions: { stage: string; at: string; status: 'pending' | 'promoted' | 'failed'; detail?: string }[];
  tool: { name: 'imagegate'; version: string };
}
