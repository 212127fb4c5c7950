/**
 * in-toto Statement v1 (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md)
 * about one exact artifact.
 *
 * Subjects:
 * - a container image: `digest.sha256` is the image id — the config digest, which is the same
 *   locally, in every registry and after any re-push, unlike a manifest digest (which does not
 *   exist yet when the image is tested, and changes with the registry's compression);
 * - an AMI: AMI ids are regional and owned by one account, so the subject names all three as
 *   `arn:aws:ec2:<region>:<account>:image/<ami-id>` (account empty when the tester could not
 *   tell it, as in EC2's own image ARNs) and `digest.sha256` is the sha256 of that name's
 *   UTF-8 bytes. The digest carries no more than the name; it exists because in-toto subjects
 *   are matched by digest.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import type { ArtifactKind } from './verdict.js';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const VERDICT_PREDICATE = 'https://imagegate.dev/attestation/verdict/v1';
export const PROMOTION_PREDICATE = 'https://imagegate.dev/attestation/promotion/v1';

export interface Subject {
  name?: string;
  digest: Record<string, string>;
}

export interface Statement<P = unknown> {
  _type: typeof STATEMENT_TYPE;
  subject: Subject[];
  predicateType: string;
  predicate: P;
}

/** What a subject is derived from: the artifact's identity, nothing the test observed. */
export interface ArtifactIdentity {
  kind: ArtifactKind;
  /** Image id (`sha256:…`) or AMI id. */
  id: string;
  region?: string;
  account?: string;
  /** Display name for the subject (an image reference); not part of the match. */
  name?: string;
}

export function amiSubjectName(a: { id: string; region?: string; account?: string }): string {
  return `arn:aws:ec2:${a.region ?? ''}:${a.account ?? ''}:image/${a.id}`;
}

const AMI_NAME = /^arn:aws:ec2:([a-z0-9-]*):([0-9]{12})?:image\/(ami-[0-9a-f]+)$/;

export function parseAmiSubjectName(
  name: string,
): { id: string; region?: string; account?: string } | undefined {
  const m = AMI_NAME.exec(name);
  if (!m) return undefined;
  return { id: m[3] as string, ...(m[1] ? { region: m[1] } : {}), ...(m[2] ? { account: m[2] } : {}) };
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export function subjectFor(a: ArtifactIdentity): Subject {
  if (a.kind === 'ami') {
    const name = amiSubjectName(a);
    return { name, digest: { sha256: sha256(name) } };
  }
  const hex = a.id.replace(/^sha256:/, '');
  return { ...(a.name ? { name: a.name } : {}), digest: { sha256: hex } };
}

/**
 * Whether a statement is about `a`. Images match on the image id. An AMI matches on id and
 * region (when known) and, when both sides name an account, on the account too; the digest
 * must always be the sha256 of the subject's own name, so name and digest cannot disagree.
 */
export function aboutArtifact(subjects: Subject[], a: ArtifactIdentity): boolean {
  if (a.kind !== 'ami') {
    const want = subjectFor(a).digest.sha256;
    return subjects.some((s) => s.digest.sha256 === want);
  }
  return subjects.some((s) => {
    if (!s.name || s.digest.sha256 !== sha256(s.name)) return false;
    const parsed = parseAmiSubjectName(s.name);
    if (!parsed || parsed.id !== a.id) return false;
    if (a.region && parsed.region !== a.region) return false;
    // A subject without an account (the tester could not tell it) matches on id and region:
    // AMI ids are unique within a region. One with an account must name the owner.
    return !a.account || !parsed.account || parsed.account === a.account;
  });
}

export function makeStatement<P>(subject: Subject, predicateType: string, predicate: P): Statement<P> {
  return { _type: STATEMENT_TYPE, subject: [subject], predicateType, predicate };
}

/** Payload bytes: canonical JSON, so the same statement always signs the same bytes. */
export function statementBytes(statement: Statement): Buffer {
  return Buffer.from(canonicalJson(statement), 'utf8');
}
