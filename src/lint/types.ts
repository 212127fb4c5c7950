import type { Severity } from '../config/types.js';
import type { Position, Template } from '../template/model.js';

export type { Severity };

/** Policy ids the engine itself reports; they are not policies in `policies/`. */
export const SYNTAX = 'syntax';
export const SUPPRESSION_REASON_MISSING = 'suppression-reason-missing';
export const SUPPRESSION_UNUSED = 'suppression-unused';
/** A script or upload a provisioner names exists nowhere Packer could find it. */
export const FILE_MISSING = 'file-missing';

/** A check as written in a policy file: a primitive name plus its parameters. */
export interface CheckSpec {
  type: string;
  message?: string;
  [param: string]: unknown;
}

export interface Example {
  title?: string;
  bad?: string;
  good?: string;
}

/** A policy is data (one YAML file); see schemas/policy.schema.json. */
export interface Policy {
  id: string;
  severity: Severity;
  title: string;
  rationale: string;
  remediation: string;
  references: string[];
  controls?: string[];
  examples?: Example[];
  /** One check or several; findings of all are reported under this policy. */
  check: CheckSpec | CheckSpec[];
  /** File the policy was loaded from (for errors and docs). */
  file: string;
}

export interface Finding {
  policy: string;
  severity: Severity;
  message: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** What a check primitive reports: a place and a message; the engine adds policy and severity. */
export interface Hit {
  message: string;
  pos: Position;
}

/** A check primitive: pure function of the template and its parameters. */
export type CheckFn<P> = (template: Template, params: P) => Hit[];

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold];
}
