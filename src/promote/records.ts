/**
 * Promotion records: each completed promotion is a signed in-toto Statement (predicate
 * `imagegate.promotion/v1`) in a DSSE envelope, appended to `.imagegate/promotions.jsonl`. A
 * line carries the record's fields in the clear for people and reports, and the envelope in
 * `attestation`; only the envelope counts. `requires` is checked against records whose
 * signature verifies under the required stage's trusted keys, so a hand-written line proves
 * nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs.js';
import { type Envelope, encodeEnvelope } from '../evidence/dsse.js';
import type { ArtifactIdentity } from '../evidence/statement.js';
import type { TrustedKey } from '../evidence/trust.js';
import type { ArtifactKind } from '../evidence/verdict.js';
import { type PromotionPredicate, verifyPromotion } from '../evidence/verify.js';

/** Where an AMI now lives for a stage: one row per (account, region). */
export interface PromotedImage {
  account: string;
  region: string;
  imageId: string;
  /** `shared` = the owner's image seen from a receiving account; `owned` = an image in that account. */
  view: 'owned' | 'shared';
}

/** One completed promotion: the signed predicate plus who signed it. */
export interface PromotionRecord extends PromotionPredicate {
  schema: 'imagegate.promotion/v1';
  artifact: { kind: ArtifactKind; id: string; region?: string; account?: string };
  aws?: { images: PromotedImage[]; recipients: string[] };
  registry?: { repository: string; digest: string; tags: string[] };
}

/** A line of promotions.jsonl. */
export interface PromotionLine extends PromotionRecord {
  /** The key id that signed `attestation`. */
  signer: string;
  attestation: Envelope;
}

export const PROMOTIONS_FILE = 'promotions.jsonl';

export function promotionsPath(stateDir: string): string {
  return join(stateDir, PROMOTIONS_FILE);
}

/** Every line that parses, oldest first; nothing here is trusted yet (see `signedPromotion`). */
export function readPromotionLines(stateDir: string): PromotionLine[] {
  const file = promotionsPath(stateDir);
  if (!existsSync(file)) return [];
  const out: PromotionLine[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const rec = JSON.parse(line) as PromotionLine;
      if (rec.schema === 'imagegate.promotion/v1') out.push(rec);
    } catch {
      // A torn line must not block every later promotion; it proves nothing either way.
    }
  }
  return out;
}

/** Append by rewriting atomically (temp + rename): a crash never leaves a torn line. */
export function appendPromotion(stateDir: string, line: PromotionLine): void {
  const file = promotionsPath(stateDir);
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const sep = before && !before.endsWith('\n') ? '\n' : '';
  writeFileAtomic(file, `${before}${sep}${JSON.stringify(line)}\n`);
}

/**
 * The latest record, verified, of the artifact reaching `stage`, signed by a key `trust`
 * holds: the signed predicate, never the clear-text fields beside it.
 */
export function signedPromotion(
  lines: readonly PromotionLine[],
  stage: string,
  artifact: ArtifactIdentity,
  trust: readonly TrustedKey[],
): PromotionRecord | undefined {
  for (const line of [...lines].reverse()) {
    if (!line.attestation) continue;
    const r = verifyPromotion(encodeEnvelope(line.attestation), { trust, artifact });
    if (r.ok && r.predicate.stage === stage && r.predicate.artifact.id === artifact.id) {
      return r.predicate as PromotionRecord;
    }
  }
  return undefined;
}
