/** Verdicts and promotion records as signed in-toto Statements in DSSE envelopes. */
import { type Envelope, IN_TOTO_PAYLOAD_TYPE, pae } from './dsse.js';
import type { Signer } from './signer.js';
import {
  type ArtifactIdentity,
  makeStatement,
  PROMOTION_PREDICATE,
  type Statement,
  statementBytes,
  subjectFor,
  VERDICT_PREDICATE,
} from './statement.js';
import { type WrittenEvidence, writeEvidence } from './store.js';
import type { Verdict } from './verdict.js';
import type { PromotionPredicate } from './verify.js';

export async function signStatement(statement: Statement, signer: Signer): Promise<Envelope> {
  const payload = statementBytes(statement);
  const sig = await signer.sign(pae(IN_TOTO_PAYLOAD_TYPE, payload));
  return {
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    payload: payload.toString('base64'),
    signatures: [{ keyid: signer.keyId, sig: sig.toString('base64') }],
  };
}

export function verdictSubject(v: Pick<Verdict, 'artifact' | 'image'>): ArtifactIdentity {
  const a = v.artifact;
  return {
    kind: a.kind,
    id: a.id,
    ...(a.region ? { region: a.region } : {}),
    ...(a.account ? { account: a.account } : {}),
    name: v.image ?? a.reference,
  };
}

/** The verdict, unchanged, as the predicate of a Statement about its own artifact. */
export function signVerdict(verdict: Verdict, signer: Signer): Promise<Envelope> {
  return signStatement(
    makeStatement(subjectFor(verdictSubject(verdict)), VERDICT_PREDICATE, verdict),
    signer,
  );
}

/** The artifact a promotion record is about, as its attestation's subject. */
export function promotionSubject(record: PromotionPredicate): ReturnType<typeof subjectFor> {
  const a = record.artifact;
  return subjectFor({
    kind: a.kind,
    id: a.id,
    ...(a.region ? { region: a.region } : {}),
    ...(a.account ? { account: a.account } : {}),
  });
}

export function signPromotion(record: PromotionPredicate, signer: Signer): Promise<Envelope> {
  return signStatement(makeStatement(promotionSubject(record), PROMOTION_PREDICATE, record), signer);
}

/** What producers call: sign the verdict and write its envelope to the verdicts directory. */
export async function writeSignedVerdict(
  dir: string,
  verdict: Verdict,
  signer: Signer,
): Promise<WrittenEvidence> {
  return writeEvidence(dir, verdict.artifact, await signVerdict(verdict, signer));
}
