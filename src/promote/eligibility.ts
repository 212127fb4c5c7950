/**
 * Before anything is promoted: find the newest evidence for the artifact, verify it (signature
 * by a key the stage trusts, strict schema, self-consistency, subject), require a passing test,
 * and require the stage's `requires` to have been reached according to signed promotion
 * records. Every refusal is one line with the exit code of its kind (evidence/verify.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { type Envelope, payloadBytes } from '../evidence/dsse.js';
import type { ArtifactIdentity } from '../evidence/statement.js';
import { verdictFileName } from '../evidence/store.js';
import type { TrustedKey } from '../evidence/trust.js';
import type { ArtifactKind, Verdict } from '../evidence/verdict.js';
import { type Accepted, EXIT_REFUSED, exitCodeFor, verifyVerdict } from '../evidence/verify.js';
import type { Stage } from './stages.js';

/** Exit code when promotion is refused: no or failing evidence, required stage not reached. */
export const REFUSED = EXIT_REFUSED;

/** The artifact actually being promoted, as resolved from what the user named. */
export interface ResolvedArtifact {
  kind: ArtifactKind;
  /** Docker image id (`sha256:…`) or AMI id. */
  id: string;
  region?: string;
  account?: string;
  reference: string;
}

/** Evidence as found: its file and bytes, not yet trusted. */
export interface Evidence {
  file: string;
  bytes: Buffer;
}

export interface VerifiedEvidence extends Evidence {
  verdict: Verdict;
  /** sha256 of the envelope bytes. */
  digest: string;
  signer: TrustedKey;
}

export function identityOf(
  a: Pick<ResolvedArtifact, 'kind' | 'id' | 'region' | 'account'>,
): ArtifactIdentity {
  return {
    kind: a.kind,
    id: a.id,
    ...(a.region ? { region: a.region } : {}),
    ...(a.account ? { account: a.account } : {}),
  };
}

/**
 * What an envelope claims to be about, read without trusting it: only to pick the file. A file
 * this cannot read is unattributable.
 */
export function claimedArtifact(bytes: Buffer): { verdict: Partial<Verdict> } | undefined {
  try {
    const env = JSON.parse(bytes.toString('utf8')) as Envelope;
    const statement = JSON.parse(payloadBytes(env).toString('utf8')) as { predicate?: Partial<Verdict> };
    return statement.predicate?.artifact ? { verdict: statement.predicate } : undefined;
  } catch {
    return undefined;
  }
}

function claimsArtifact(v: Partial<Verdict>, a: ResolvedArtifact): boolean {
  const c = v.artifact;
  if (!c || c.kind !== a.kind || c.id !== a.id) return false;
  return !a.region || !c.region || c.region === a.region;
}

/**
 * The newest evidence for an artifact in `verdictDir`. Newest is by file time: a file that
 * cannot be read, or names no artifact, and is newer than the newest readable match (or is the
 * file a re-test of this artifact writes) is a refusal — never a reason to fall back to an
 * older verdict, since a truncated newest verdict may be the one that failed.
 */
export function findEvidence(verdictDir: string, artifact: ResolvedArtifact): Evidence {
  const matches: (Evidence & { mtime: number; finishedAt: string })[] = [];
  const unreadable: { file: string; mtime: number }[] = [];
  const own = verdictFileName(artifact);
  let names: string[] = [];
  try {
    names = readdirSync(verdictDir)
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch {
    // No directory: no evidence, refused below.
  }
  for (const name of names) {
    const file = join(verdictDir, name);
    let bytes: Buffer;
    let mtime: number;
    try {
      bytes = readFileSync(file);
      mtime = statSync(file).mtimeMs;
    } catch {
      unreadable.push({ file, mtime: Number.POSITIVE_INFINITY });
      continue;
    }
    const claimed = claimedArtifact(bytes);
    if (!claimed) {
      // The file a re-test of this artifact writes is its newest evidence, whatever its time.
      unreadable.push({ file, mtime: name === own ? Number.POSITIVE_INFINITY : mtime });
      continue;
    }
    if (claimsArtifact(claimed.verdict, artifact)) {
      matches.push({ file, bytes, mtime, finishedAt: String(claimed.verdict.timings?.finishedAt ?? '') });
    }
  }
  matches.sort((a, b) => a.mtime - b.mtime || a.finishedAt.localeCompare(b.finishedAt));
  const newest = matches.at(-1);
  const blocking = unreadable.find(
    (u) => u.mtime === Number.POSITIVE_INFINITY || (newest !== undefined && u.mtime >= newest.mtime),
  );
  if (blocking) {
    throw new UserError(
      `refused: the newest evidence ${blocking.file} is unreadable (truncated or not a DSSE envelope); refusing rather than fall back to an older verdict: re-run \`imagegate test ${artifact.reference}\``,
      exitCodeFor('unreadable'),
    );
  }
  if (!newest) {
    throw new UserError(
      `refused: no verdict for ${describe(artifact)} in ${verdictDir}: run \`imagegate test ${artifact.reference}\` first or pass --evidence FILE`,
      REFUSED,
    );
  }
  return { file: newest.file, bytes: newest.bytes };
}

export function loadEvidence(file: string): Evidence {
  try {
    return { file, bytes: readFileSync(file) };
  } catch (err) {
    throw new UserError(
      `refused: cannot read evidence ${file} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      exitCodeFor('unreadable'),
    );
  }
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
 * Verify evidence for this exact artifact under a stage's trusted keys; refuse with the exit
 * code of the failure's kind, or when the verified verdict records a failed test.
 */
export function assertPromotable(
  evidence: Evidence,
  artifact: ResolvedArtifact,
  stage: Pick<Stage, 'name'>,
  trust: readonly TrustedKey[],
): VerifiedEvidence {
  const r = verifyVerdict(evidence.bytes, { trust, artifact: identityOf(artifact) });
  if (!r.ok) {
    const what = r.code === 'wrong-subject' ? 'digest mismatch: ' : '';
    throw new UserError(
      `refused: ${evidence.file}: ${what}${r.reason}${r.code === 'untrusted' ? ` (stage "${stage.name}")` : ''}`,
      exitCodeFor(r.code),
    );
  }
  return toVerified(evidence, r);
}

export function assertPassed(evidence: VerifiedEvidence): void {
  const v = evidence.verdict;
  if (!v.passed) {
    throw new UserError(
      `refused: ${evidence.file} records a failed test (${v.error ?? failedChecks(v)}): fix the image and test it again`,
      REFUSED,
    );
  }
}

function toVerified(evidence: Evidence, r: Accepted<Verdict>): VerifiedEvidence {
  return { ...evidence, verdict: r.predicate, digest: r.digest, signer: r.signer };
}

export function describe(a: ResolvedArtifact): string {
  return `${a.kind === 'ami' ? 'AMI' : 'image'} ${a.id}${a.region ? ` in ${a.region}` : ''}`;
}

function failedChecks(v: Verdict): string {
  const failed = v.suites.reduce((n, s) => n + s.run.summary['failed-count'], 0);
  return `${failed} failed check${failed === 1 ? '' : 's'}`;
}
