/**
 * Where attestations live on disk. Two layouts:
 * - the verdicts directory (`.imagegate/verdicts/<artifact>.verdict.json`), one envelope per
 *   artifact, replaced by a re-test; what `promote`, `verify` and `report` read by default;
 * - a content-addressed evidence store (`sha256-<hex>.dsse.json`), what AMIs point at from
 *   their `imagegate:attestation-sha256` tag: a directory a CI job uploads, or an S3 prefix.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs.js';
import { attestationDigest, type Envelope, encodeEnvelope } from './dsse.js';
import type { ArtifactRef } from './verdict.js';

export const VERDICT_SUFFIX = '.verdict.json';

/** Stable per artifact so a re-test replaces the previous one. */
export function verdictFileName(artifact: Pick<ArtifactRef, 'id' | 'region'>): string {
  const id = `${artifact.id}${artifact.region ? `-${artifact.region}` : ''}`;
  return `${id.replace(/^sha256:/, '').replace(/[^A-Za-z0-9._-]/g, '_')}${VERDICT_SUFFIX}`;
}

export interface WrittenEvidence {
  file: string;
  /** sha256 of the bytes written: the attestation digest. */
  digest: string;
}

/** Write atomically (temp file + rename): a crash never leaves half an envelope. */
export function writeEvidence(
  dir: string,
  artifact: Pick<ArtifactRef, 'id' | 'region'>,
  envelope: Envelope,
): WrittenEvidence {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, verdictFileName(artifact));
  const bytes = encodeEnvelope(envelope);
  writeFileAtomic(file, bytes.toString('utf8'));
  return { file, digest: attestationDigest(bytes) };
}

export function storeObjectName(digest: string): string {
  return `sha256-${digest}.dsse.json`;
}

/** Put envelope bytes in a directory store under their own digest; returns that digest. */
export function putInDirectoryStore(dir: string, bytes: Buffer): string {
  const digest = attestationDigest(bytes);
  writeFileAtomic(join(dir, storeObjectName(digest)), bytes.toString('utf8'));
  return digest;
}

/** The envelope a digest names, or undefined; bytes are returned as stored (the caller checks them). */
export function getFromDirectoryStore(dir: string, digest: string): Buffer | undefined {
  const file = join(dir, storeObjectName(digest));
  try {
    if (!statSync(file).isFile()) return undefined;
    return readFileSync(file);
  } catch {
    return undefined;
  }
}
