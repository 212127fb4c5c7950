/**
 * Boot-only and live-only checks. One suite serves the gate (a freshly booted image) and
 * `drift` (a host that has been running for months): some facts differ by design — the image
 * ships an empty /etc/machine-id, a host has one. A check says when it applies through goss's
 * free-form `meta` attribute, so goss itself still reads the file:
 *
 *   file:
 *     /etc/machine-id:
 *       exists: true
 *       size: 0
 *       meta: { imagegate: { when: boot } }
 *
 * `when: boot` runs under `test`/`gate` only, `when: live` under `drift` only; no `when` runs
 * everywhere (and `validate` runs everything, as goss would). See docs/drift.md.
 */

import { SuiteError } from './errors.js';
import type { ResourceSpec } from './model.js';

export type Phase = 'boot' | 'live';

const PHASES: readonly Phase[] = ['boot', 'live'];

/** `meta.imagegate.when` as written: a phase, nothing, or a value that is neither. */
export function phaseInMeta(meta: Record<string, unknown> | null): Phase | undefined | { invalid: unknown } {
  const ig = meta?.imagegate;
  if (ig === undefined || ig === null || typeof ig !== 'object' || Array.isArray(ig)) return undefined;
  const when = (ig as Record<string, unknown>).when;
  if (when === undefined) return undefined;
  return typeof when === 'string' && (PHASES as readonly string[]).includes(when)
    ? (when as Phase)
    : { invalid: when };
}

/** The phase a check is restricted to, or undefined when it applies in both. */
export function checkPhase(spec: ResourceSpec): Phase | undefined {
  const p = phaseInMeta(spec.meta);
  if (typeof p === 'object') {
    throw new SuiteError(
      `${spec.source.file}:${spec.source.line}: meta.imagegate.when is ${JSON.stringify(p.invalid)}: expected boot or live (see docs/drift.md#boot-only-and-live-only-checks)`,
    );
  }
  return p;
}

/** Why a check does not run in this phase (shown beside "skipped"), or undefined when it runs. */
export function phaseSkipReason(spec: ResourceSpec, phase: Phase | undefined): string | undefined {
  if (phase === undefined) return undefined;
  const only = checkPhase(spec);
  if (only === undefined || only === phase) return undefined;
  return only === 'boot'
    ? 'boot-only check (meta.imagegate.when: boot), not run on a live host'
    : 'live-only check (meta.imagegate.when: live), not run on a freshly booted image';
}
