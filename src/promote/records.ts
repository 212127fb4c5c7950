import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs.js';
import type { ArtifactKind } from '../evidence/verdict.js';

/** Where an AMI now lives for a stage: one row per (account, region). */
export interface PromotedImage {
  account: string;
  region: string;
  imageId: string;
  /** `shared` = the owner's image seen from a receiving account; `owned` = an image in that account. */
  view: 'owned' | 'shared';
}

/**
 * One completed promotion. `requires` is checked against these, so only a promotion that
 * finished is recorded; an interrupted run leaves no record and the next run resumes.
 */
export interface PromotionRecord {
  schema: 'imagegate.promotion/v1';
  stage: string;
  at: string;
  artifact: { kind: ArtifactKind; id: string; region?: string };
  verdictSha256: string;
  aws?: { images: PromotedImage[]; recipients: string[] };
  registry?: { repository: string; digest: string; tags: string[] };
}

export const PROMOTIONS_FILE = 'promotions.jsonl';

export function promotionsPath(stateDir: string): string {
  return join(stateDir, PROMOTIONS_FILE);
}

/** Every record, oldest first. A line that does not parse (hand-edited) is skipped, not fatal. */
export function readPromotions(stateDir: string): PromotionRecord[] {
  const file = promotionsPath(stateDir);
  if (!existsSync(file)) return [];
  const out: PromotionRecord[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const rec = JSON.parse(line) as PromotionRecord;
      if (rec.schema === 'imagegate.promotion/v1') out.push(rec);
    } catch {
      // A torn or edited line must not block every later promotion.
    }
  }
  return out;
}

/** Append by rewriting atomically (temp + rename): a crash never leaves a torn line. */
export function appendPromotion(stateDir: string, rec: PromotionRecord): void {
  const file = promotionsPath(stateDir);
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const sep = before && !before.endsWith('\n') ? '\n' : '';
  writeFileAtomic(file, `${before}${sep}${JSON.stringify(rec)}\n`);
}

/** The latest record of `artifactId` reaching `stage`, if any. */
export function findPromotion(
  records: PromotionRecord[],
  stage: string,
  artifactId: string,
): PromotionRecord | undefined {
  return records.filter((r) => r.stage === stage && r.artifact.id === artifactId).at(-1);
}
