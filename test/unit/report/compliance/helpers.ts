import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { buildReportModel } from '../../../../src/report/compliance/assemble.js';
import { loadInputs } from '../../../../src/report/compliance/load.js';
import type { EvidenceCheck, ReportInputs, ReportModel } from '../../../../src/report/compliance/types.js';
import { type FixtureSet, writeFixtureSet } from '../../../fixtures/report/verdicts.js';
import { TEST_KEY } from '../../../helpers/evidence.js';

export const CONTROLS: Record<string, string[]> = {
  'CIS-5.2.10': ['file:/etc/ssh/sshd_config#contents'],
  'CIS-6.1.1': ['file:/etc/passwd', 'file:/etc/shadow'],
  'NIST CM-7': ['suite:builtin:cleanup', 'policy:cleanup-provisioner'],
  'ORG-LOG-1': ['service:rsyslog'],
};

/** Verification outcomes for hand-built inputs: verified by the test key, or a forgery. */
export const VERIFIED: EvidenceCheck = { verified: true, signer: 'test key', digest: 'a'.repeat(64) };
export const REJECTED: EvidenceCheck = {
  verified: false,
  code: 'bad-signature',
  reason: 'signature does not verify: the attestation was altered after signing, or forged',
  signer: TEST_KEY.keyId,
  digest: 'b'.repeat(64),
};
/** What report tests trust: the test key only. */
export const TRUST = [TEST_KEY.trusted];

/** Report inputs with nothing in them but what a test sets. */
export function inputs(over: Partial<ReportInputs> = {}): ReportInputs {
  return {
    verdicts: [],
    lint: [],
    policies: [],
    promotions: [],
    prune: [],
    controls: {},
    files: [],
    notes: [],
    ...over,
  };
}

const scratch: string[] = [];
// Registered while the importing test file is collected, so each file removes its own dirs.
afterAll(() => {
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temporary directory removed after the test file finishes. */
export function scratchDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(d);
  return d;
}

/** The full fixture set on disk, read by the real loader and built into a model. */
export function fixtureModel(): { set: FixtureSet; model: ReportModel } {
  const set = writeFixtureSet(scratchDir('imagegate-report-'));
  const inputs = loadInputs({
    verdictPaths: [set.verdictDir],
    lintFiles: [set.lint],
    promotionFiles: [set.promotions],
    pruneFiles: [set.prune],
    policyDirs: [{ dir: set.policies, explicit: true }],
    controls: CONTROLS,
    trust: TRUST,
  });
  const model = buildReportModel(inputs, {
    title: 'Release 2026.11 compliance',
    generatedAt: '2026-11-28T08:00:00.000Z',
    toolVersion: '0.1.0',
  });
  return { set, model };
}
