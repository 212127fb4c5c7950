/**
 * Signed evidence for tests: the one place test code makes attestations. Keys are Ed25519 from
 * fixed seeds, so fixtures are reproducible (Ed25519 signatures are deterministic) and a test
 * can name "the trusted key" and "another key" without generating files.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Envelope, encodeEnvelope, IN_TOTO_PAYLOAD_TYPE, pae } from '../../src/evidence/dsse.js';
import { devKeyFile, keyIdOf } from '../../src/evidence/keys.js';
import { promotionSubject, verdictSubject } from '../../src/evidence/sign.js';
import { ed25519Signer, type Signer } from '../../src/evidence/signer.js';
import {
  makeStatement,
  PROMOTION_PREDICATE,
  type Statement,
  statementBytes,
  subjectFor,
  VERDICT_PREDICATE,
} from '../../src/evidence/statement.js';
import { writeEvidence } from '../../src/evidence/store.js';
import type { TrustedKey } from '../../src/evidence/trust.js';
import type { Verdict } from '../../src/evidence/verdict.js';
import { type PromotionPredicate, verifyVerdict } from '../../src/evidence/verify.js';

export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
  publicKeyPem: string;
  signer: Signer;
  trusted: TrustedKey;
}

// PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows.
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');

export function testKey(seed: number, label: string): TestKey {
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8, Buffer.alloc(32, seed)]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);
  const keyId = keyIdOf(publicKey);
  return {
    privateKey,
    publicKey,
    keyId,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    signer: ed25519Signer(privateKey, label),
    trusted: { keyId, publicKey, label },
  };
}

/** The key tests trust by default, and keys no stage trusts. */
export const TEST_KEY = testKey(1, 'test key');
export const OTHER_KEY = testKey(2, 'other key');

/** Sign any statement, synchronously (Ed25519 needs no round trip). */
export function signStatementSync(
  statement: Statement | Record<string, unknown>,
  key: TestKey = TEST_KEY,
): Envelope {
  const payload = statementBytes(statement as Statement);
  const sig = sign(null, pae(IN_TOTO_PAYLOAD_TYPE, payload), key.privateKey);
  return {
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    payload: payload.toString('base64'),
    signatures: [{ keyid: key.keyId, sig: sig.toString('base64') }],
  };
}

export function signVerdictSync(verdict: Verdict, key: TestKey = TEST_KEY): Envelope {
  return signStatementSync(
    makeStatement(subjectFor(verdictSubject(verdict)), VERDICT_PREDICATE, verdict),
    key,
  );
}

export function signedVerdictBytes(verdict: Verdict, key: TestKey = TEST_KEY): Buffer {
  return encodeEnvelope(signVerdictSync(verdict, key));
}

/** Write a signed verdict where `test` writes them; returns the file. */
export function writeSignedVerdictFile(dir: string, verdict: Verdict, key: TestKey = TEST_KEY): string {
  return writeEvidence(dir, verdict.artifact, signVerdictSync(verdict, key)).file;
}

export function signPromotionSync(record: PromotionPredicate, key: TestKey = TEST_KEY): Envelope {
  return signStatementSync(makeStatement(promotionSubject(record), PROMOTION_PREDICATE, record), key);
}

/** Re-encode an envelope with its payload replaced, keeping the old signature (a forgery). */
export function withPayload(env: Envelope, statement: unknown): Envelope {
  return { ...env, payload: Buffer.from(JSON.stringify(statement)).toString('base64') };
}

export function decodeStatement(env: Envelope): Statement<Verdict> {
  return JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as Statement<Verdict>;
}

/** Make `key` the repository's development key under `stateDir` (what `local-dev` trusts and signs with). */
export function installDevKey(stateDir: string, key: TestKey = TEST_KEY): void {
  const file = devKeyFile(stateDir);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, key.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(`${file}.pub`, key.publicKeyPem);
}

/**
 * Read and verify a verdict file as `promote` would, trusting the test keys and the development
 * keys under the given `.imagegate` directories (where `test` and `gate` create theirs).
 */
export function readSignedVerdict(
  file: string,
  ...stateDirs: string[]
): { verdict: Verdict; verified: boolean; reason?: string } {
  const trust: TrustedKey[] = [TEST_KEY.trusted];
  for (const dir of stateDirs) {
    const pub = `${devKeyFile(dir)}.pub`;
    if (!existsSync(pub)) continue;
    const key = createPublicKey(readFileSync(pub, 'utf8'));
    trust.push({ keyId: keyIdOf(key), publicKey: key, label: `dev key in ${dir}` });
  }
  const r = verifyVerdict(readFileSync(file), { trust });
  if (r.ok) return { verdict: r.predicate, verified: true };
  return { verdict: r.claimed as Verdict, verified: false, reason: r.reason };
}
