/**
 * `imagegate drift`: is the fleet still what the gate approved? A host is a running machine
 * (container, SSH host, EC2 instance) and the image it came from; its report says what changed
 * since that image was promoted. Plain data: selection fills hosts, classify.ts judges them.
 */

/** The image a host runs, as evidence is looked up for it. */
export interface HostImage {
  kind: 'docker-image' | 'ami';
  /** Docker image id (`sha256:…`, the config digest) or AMI id; empty until a reference is resolved. */
  id: string;
  /** What the host names it by: `127.0.0.1:5001/web@sha256:…`, `web:1.2`, `ami-0abc…`. */
  reference: string;
  region?: string;
}

export interface Host {
  /** Container name, inventory name/target, instance id. */
  name: string;
  /** Transport target: `docker://ID`, `ssh://user@host:port`. */
  target: string;
  /** Unknown until the container is inspected (an inventory `docker://` entry without `image`). */
  image?: HostImage;
  /** Where it was selected: `label`, `inventory FILE:LINE`, `ec2 REGION`. */
  source: string;
  /** Set when the image itself is retired or deprecated (AMI deprecation time passed, deregistered). */
  retired?: string;
  /** The image no longer exists (a deregistered AMI): there is no evidence left to look up. */
  imageGone?: boolean;
}

/** A finding about a host; `ok` when there is none. */
export type FindingKind = 'drift' | 'unpromoted' | 'retired' | 'superseded' | 'unreachable';

/** One check, as goss names it: `File: /etc/ssh/sshd_config: contents`. */
export interface CheckRef {
  type: string;
  id: string;
  property: string;
}

export interface FailingCheck extends CheckRef {
  /** goss's summary line of the failure now. */
  now: string;
}

export interface DriftedCheck extends FailingCheck {
  /** Why it is drift: passed when the image was tested, or a live-only check. */
  was: 'passed at promotion' | 'live-only check';
}

export interface SkippedCheck extends CheckRef {
  reason: string;
}

export interface HostReport {
  host: string;
  target: string;
  source: string;
  image?: string;
  imageId?: string;
  /** The worst finding (drift > unpromoted > retired > unreachable > superseded), or `ok`. */
  status: 'ok' | FindingKind;
  findings: FindingKind[];
  /** Why: refusal of the evidence, the unreachable error, the retirement. */
  reasons: string[];
  drifted: DriftedCheck[];
  /** Failing checks the promotion never ran (added to the suite since): listed, not drift. */
  unverified: FailingCheck[];
  skipped: SkippedCheck[];
  verdict?: { attestationSha256: string; signer: string; testedAt: string; source: string };
  successor?: { id: string; reference: string; testedAt: string };
  /** Suites whose content changed since the promotion (digest differs): checks compare by name. */
  changedSuites: string[];
  checks: { total: number; failed: number; skipped: number };
}

export interface DriftSummary {
  hosts: number;
  ok: number;
  drift: number;
  unpromoted: number;
  retired: number;
  superseded: number;
  unreachable: number;
}

export interface DriftReport {
  schema: 'imagegate.drift/v1';
  at: string;
  hosts: HostReport[];
  summary: DriftSummary;
}
