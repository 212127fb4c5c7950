/**
 * Verification of an attestation, strictest first: the envelope parses, a signature over the
 * DSSE PAE verifies under a key the policy trusts, the Statement and its predicate match their
 * schemas exactly (ajv), the verdict is self-consistent (`passed` equals what its results say)
 * and its subject is the artifact in hand. The first failure is the answer, as one line.
 */
import { verify as cryptoVerify } from 'node:crypto';
import type { ValidateFunction } from 'ajv';
import { loadSchema, makeAjv } from '../core/schema-check.js';
import { attestationDigest, type Envelope, IN_TOTO_PAYLOAD_TYPE, pae, payloadBytes } from './dsse.js';
import {
  type ArtifactIdentity,
  aboutArtifact,
  PROMOTION_PREDICATE,
  STATEMENT_TYPE,
  type Statement,
  subjectFor,
  VERDICT_PREDICATE,
} from './statement.js';
import type { TrustedKey } from './trust.js';
import type { Verdict } from './verdict.js';

/** Why an attestation was not accepted. `failed` is a genuine attestation of a failed test. */
export type RejectCode =
  | 'unreadable'
  | 'malformed'
  | 'bad-signature'
  | 'untrusted'
  | 'schema'
  | 'inconsistent'
  | 'wrong-subject';

/**
 * Exit codes shared by `promote` and `verify`, one per kind of refusal, so a pipeline can tell
 * "the image failed its tests" (1) from "the evidence is forged or damaged" (5), "signed by a
 * key this stage does not trust" (6) and "evidence about another artifact" (7).
 */
export const EXIT_REFUSED = 1;
export const EXIT_FORGED = 5;
export const EXIT_UNTRUSTED = 6;
export const EXIT_WRONG_SUBJECT = 7;

export function exitCodeFor(code: RejectCode): number {
  if (code === 'untrusted') return EXIT_UNTRUSTED;
  if (code === 'wrong-subject') return EXIT_WRONG_SUBJECT;
  return EXIT_FORGED;
}

export interface Accepted<P> {
  ok: true;
  predicate: P;
  statement: Statement<P>;
  /** The trusted key that verified. */
  signer: TrustedKey;
  /** sha256 of the envelope bytes. */
  digest: string;
}

export interface Rejected {
  ok: false;
  code: RejectCode;
  reason: string;
  /** The predicate as claimed, for investigation only (reports show it, never count it). */
  claimed?: unknown;
  /** The keyid the envelope names, when it names one. */
  keyId?: string;
  digest?: string;
}

export type Verification<P> = Accepted<P> | Rejected;

let validators:
  | {
      envelope: ValidateFunction;
      statement: ValidateFunction;
      verdict: ValidateFunction;
      promotion: ValidateFunction;
    }
  | undefined;

function schemas() {
  if (!validators) {
    // useDefaults must stay off here: verification judges the bytes as signed, never amended.
    const ajv = makeAjv();
    ajv.opts.useDefaults = false;
    const compile = (f: string) => ajv.compile(loadSchema(`evidence/${f}.schema.json`));
    validators = {
      envelope: compile('envelope'),
      statement: compile('statement'),
      verdict: compile('verdict'),
      promotion: compile('promotion'),
    };
  }
  return validators;
}

function firstError(v: ValidateFunction): string {
  const e = v.errors?.[0];
  if (!e) return 'invalid';
  return `${e.instancePath || '(top level)'} ${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? ` "${String((e.params as { additionalProperty?: string }).additionalProperty)}"` : ''}`;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function verifySignature(key: TrustedKey, message: Buffer, sig: Buffer): boolean {
  try {
    // Ed25519 signs the message itself; ECDSA P-256 (KMS) signs its sha256.
    const algorithm = key.publicKey.asymmetricKeyType === 'ed25519' ? null : 'sha256';
    return cryptoVerify(algorithm, message, key.publicKey, sig);
  } catch {
    return false;
  }
}

interface Options {
  trust: readonly TrustedKey[];
  predicateType: string;
  validatePredicate: ValidateFunction;
  /** The artifact the evidence must be about; omitted = any subject (the caller checks). */
  artifact?: ArtifactIdentity;
}

function verifyAttestation<P>(bytes: Buffer, opts: Options): Verification<P> {
  const digest = attestationDigest(bytes);
  const reject = (code: RejectCode, reason: string, extra: Partial<Rejected> = {}): Rejected => ({
    ok: false,
    code,
    reason,
    digest,
    ...extra,
  });
  const raw = parseJson(bytes);
  if (raw === undefined) return reject('unreadable', 'not valid JSON (truncated or damaged)');
  const v = schemas();
  if (!v.envelope(raw)) return reject('malformed', `not a DSSE envelope: ${firstError(v.envelope)}`);
  const env = raw as Envelope;
  const payload = payloadBytes(env);
  const statement = parseJson(payload) as Statement<P> | undefined;
  const claimed =
    statement && typeof statement === 'object' ? (statement as Statement<P>).predicate : undefined;
  const keyId = env.signatures.find((s) => s.keyid)?.keyid;
  const extra = { ...(claimed !== undefined ? { claimed } : {}), ...(keyId ? { keyId } : {}) };
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return reject(
      'malformed',
      `payloadType is ${JSON.stringify(env.payloadType)}, not ${IN_TOTO_PAYLOAD_TYPE}`,
      extra,
    );
  }

  const message = pae(env.payloadType, payload);
  let signer: TrustedKey | undefined;
  let namedTrusted = false;
  for (const s of env.signatures) {
    const sig = Buffer.from(s.sig, 'base64');
    const candidates = s.keyid ? opts.trust.filter((k) => k.keyId === s.keyid) : opts.trust;
    if (candidates.length) namedTrusted = true;
    signer = candidates.find((k) => verifySignature(k, message, sig));
    if (signer) break;
  }
  if (!signer) {
    if (namedTrusted) {
      return reject(
        'bad-signature',
        'signature does not verify: the attestation was altered after signing, or forged',
        extra,
      );
    }
    const named = env.signatures.map((s) => s.keyid ?? '(no keyid)').join(', ');
    return reject(
      'untrusted',
      opts.trust.length
        ? `signed by ${named}, a key this stage does not trust (trusted: ${opts.trust.map((k) => k.label).join(', ')})`
        : `signed by ${named}, but the trust policy names no key (stages.<name>.trust)`,
      extra,
    );
  }

  if (!statement || !v.statement(statement)) {
    return reject(
      'schema',
      `not an in-toto Statement v1: ${statement ? firstError(v.statement) : 'payload is not JSON'}`,
      extra,
    );
  }
  if (statement._type !== STATEMENT_TYPE || statement.predicateType !== opts.predicateType) {
    return reject(
      'schema',
      `predicateType is ${statement.predicateType}, expected ${opts.predicateType}`,
      extra,
    );
  }
  if (!opts.validatePredicate(statement.predicate)) {
    return reject(
      'schema',
      `predicate does not match its schema: ${firstError(opts.validatePredicate)}`,
      extra,
    );
  }
  if (opts.artifact && !aboutArtifact(statement.subject, opts.artifact)) {
    const about = statement.subject.map((s) => s.name ?? `sha256:${s.digest.sha256 ?? '?'}`).join(', ');
    const want = subjectFor(opts.artifact);
    return reject(
      'wrong-subject',
      `evidence is about ${about}, not ${opts.artifact.kind === 'ami' ? want.name : `image sha256:${want.digest.sha256}`}`,
      extra,
    );
  }
  return { ok: true, predicate: statement.predicate, statement, signer, digest };
}

/**
 * What a verdict's own results say: it passed only if nothing errored and no check failed.
 * Counts must agree with the results listed (when listed), so a summary cannot hide a failure.
 */
export function verdictInconsistency(v: Verdict): string | undefined {
  for (const s of v.suites) {
    const failed = s.run.results.filter((r) => r.result === 1 || (!r.successful && !r.skipped)).length;
    if (s.run.results.length > 0 && failed !== s.run.summary['failed-count']) {
      return `suite ${s.name} lists ${failed} failed result(s) but its summary says ${s.run.summary['failed-count']}`;
    }
  }
  const failedChecks = v.suites.reduce((n, s) => n + s.run.summary['failed-count'], 0);
  const derived = v.error === undefined && failedChecks === 0;
  if (v.passed !== derived) {
    return `passed is ${v.passed} but its results say ${derived ? 'passed' : `failed (${v.error ?? `${failedChecks} failed check(s)`})`}`;
  }
  return undefined;
}

/** Identity fields of the predicate must name the statement's own subject. */
function predicateMatchesSubject(statement: Statement<Verdict>): boolean {
  const a = statement.predicate.artifact;
  return aboutArtifact(statement.subject, {
    kind: a.kind,
    id: a.id,
    ...(a.region ? { region: a.region } : {}),
    ...(a.account ? { account: a.account } : {}),
  });
}

export function verifyVerdict(
  bytes: Buffer,
  opts: { trust: readonly TrustedKey[]; artifact?: ArtifactIdentity },
): Verification<Verdict> {
  const r = verifyAttestation<Verdict>(bytes, {
    ...opts,
    predicateType: VERDICT_PREDICATE,
    validatePredicate: schemas().verdict,
  });
  if (!r.ok) return r;
  const base = { ok: false as const, digest: r.digest, claimed: r.predicate, keyId: r.signer.keyId };
  if (!predicateMatchesSubject(r.statement)) {
    return {
      ...base,
      code: 'inconsistent',
      reason: 'the verdict names another artifact than the statement subject',
    };
  }
  const why = verdictInconsistency(r.predicate);
  if (why) return { ...base, code: 'inconsistent', reason: why };
  return r;
}

export interface PromotionPredicate {
  schema: 'imagegate.promotion/v1';
  stage: string;
  at: string;
  artifact: { kind: 'docker-image' | 'ami'; id: string; region?: string; account?: string };
  /** sha256 of the verdict attestation (envelope bytes) the promotion relied on. */
  attestationSha256: string;
  aws?: unknown;
  registry?: unknown;
}

export function verifyPromotion(
  bytes: Buffer,
  opts: { trust: readonly TrustedKey[]; artifact?: ArtifactIdentity },
): Verification<PromotionPredicate> {
  return verifyAttestation<PromotionPredicate>(bytes, {
    ...opts,
    predicateType: PROMOTION_PREDICATE,
    validatePredicate: schemas().promotion,
  });
}
