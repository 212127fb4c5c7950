import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { type ReadVerdict, readVerdict } from '../evidence/seal.js';
import type { ArtifactKind, Verdict } from '../evidence/verdict.js';
import { findPromotion, type PromotionRecord } from './records.js';
import type { Stage } from './stages.js';

/** Exit code when promotion is refused: no, failing, tampered or mismatched evidence; ladder skipped. */
export const REFUSED = 1;

/** The artifact actually being promoted, as resolved from what the user named. */
export interface ResolvedArtifact {
  kind: ArtifactKind;
  /** Docker image id (`sha256:…`) or AMI id. */
  id: string;
  region?: string;
  reference: string;
}

export interface Evidence extends ReadVerdict {
  file: string;
}

/**
 * Find the verdict for an artifact in `.imagegate/verdicts/`: the newest one whose artifact id
 * (and region, for AMIs) matches. Unreadable files are skipped: they are nobody's evidence.
 */
export function findEvidence(verdictDir: string, artifact: ResolvedArtifact): Evidence {
  const matches: Evidence[] = [];
  if (existsSync(verdictDir)) {
    for (const name of readdirSync(verdictDir).sort()) {
      if (!name.endsWith('.json')) continue;
      const file = join(verdictDir, name);
      let read: ReadVerdict;
      try {
        read = readVerdict(file);
      } catch {
        continue;
      }
      if (sameArtifact(read.verdict, artifact)) matches.push({ ...read, file });
    }
  }
  const newest = matches
    .sort((a, b) => a.verdict.timings.finishedAt.localeCompare(b.verdict.timings.finishedAt))
    .at(-1);
  if (!newest) {
    throw new UserError(
      `refused: no verdict for ${describe(artifact)} in ${verdictDir}: run \`imagegate test ${artifact.reference}\` first or pass --evidence FILE`,
      REFUSED,
    );
  }
  return newest;
}

export function loadEvidence(file: string): Evidence {
  return { ...readVerdict(file), file };
}

/** A registry stage takes container images, an AWS stage AMIs: anything else is bad input. */
export function assertStageFits(artifact: ResolvedArtifact, stage: Stage): void {
  const wanted = stage.kind === 'registry' ? 'docker-image' : 'ami';
  if (artifact.kind !== wanted) {
    throw new UserError(
      `stage "${stage.name}" promotes ${wanted === 'ami' ? 'AMIs (regions:)' : 'container images (registry:)'}, not ${artifact.kind === 'ami' ? 'an AMI' : 'a container image'}`,
    );
  }
}

/**
 * Refuse unless the evidence is intact, passing, about this exact artifact, and the artifact
 * already reached the stage this one requires.
 */
export function assertPromotable(
  evidence: Evidence,
  artifact: ResolvedArtifact,
  stage: Stage,
  records: PromotionRecord[],
): void {
  const { verdict, file } = evidence;
  if (!evidence.intact) {
    throw new UserError(
      `refused: ${file} was modified after it was written (sha256 does not match its content): re-run \`imagegate test\``,
      REFUSED,
    );
  }
  if (!sameArtifact(verdict, artifact)) {
    throw new UserError(
      `refused: digest mismatch: ${file} is evidence for ${verdict.artifact.id}` +
        `${verdict.artifact.region ? ` (${verdict.artifact.region})` : ''} but ${artifact.reference} is ${describe(artifact)}: ` +
        'promote the exact artifact that was tested',
      REFUSED,
    );
  }
  if (!verdict.passed) {
    const why = verdict.error ?? failedChecks(verdict);
    throw new UserError(
      `refused: ${file} records a failed test (${why}): fix the image and test it again`,
      REFUSED,
    );
  }
  if (stage.requires && !findPromotion(records, stage.requires, artifact.id)) {
    throw new UserError(
      `refused: stage "${stage.name}" requires "${stage.requires}" first: run \`imagegate promote ${artifact.reference} --to ${stage.requires}\``,
      REFUSED,
    );
  }
}

function sameArtifact(verdict: Verdict, artifact: ResolvedArtifact): boolean {
  if (verdict.artifact.kind !== artifact.kind || verdict.artifact.id !== artifact.id) return false;
  return !artifact.region || !verdict.artifact.region || verdict.artifact.region === artifact.region;
}

function describe(a: ResolvedArtifact): string {
  return `${a.kind === 'ami' ? 'AMI' : 'image'} ${a.id}${a.region ? ` in ${a.region}` : ''}`;
}

function failedChecks(v: Verdict): string {
  const failed = v.suites.reduce((n, s) => n + s.run.summary['failed-count'], 0);
  return `${failed} failed check${failed === 1 ? '' : 's'}`;
}
