import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../../src/aws/clients.js';
import { encodeEnvelope, IN_TOTO_PAYLOAD_TYPE, pae } from '../../../src/evidence/dsse.js';
import { generateKey, loadPrivateKey } from '../../../src/evidence/keys.js';
import { signerFor, trustFor } from '../../../src/evidence/setup.js';
import { signVerdict, verdictSubject } from '../../../src/evidence/sign.js';
import { kmsSigner } from '../../../src/evidence/signer.js';
import {
  makeStatement,
  statementBytes,
  subjectFor,
  VERDICT_PREDICATE,
} from '../../../src/evidence/statement.js';
import { verifyVerdict } from '../../../src/evidence/verify.js';
import { signVerdictSync, TEST_KEY } from '../../helpers/evidence.js';
import { makeVerdict } from '../../helpers/verdicts.js';

const IMAGE = `sha256:${'d'.repeat(64)}`;
const ARN = 'arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'imagegate-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('local keys', () => {
  it('keygen writes a 0600 Ed25519 key and a public key whose id openssl derives the same way', () => {
    const key = generateKey(join(dir, 'k', 'signing.key'));
    expect(statSync(key.privateKeyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(key.publicKeyFile, 'utf8')).toBe(key.publicKeyPem);
    // Independent derivation: DER SubjectPublicKeyInfo from openssl, hashed.
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', key.publicKeyFile, '-outform', 'DER']);
    expect(key.keyId).toBe(createHash('sha256').update(der).digest('hex'));
    expect(() => generateKey(key.privateKeyFile)).toThrow(/already exists/);
  });

  it('refuses a private key other users can read', () => {
    const key = generateKey(join(dir, 'signing.key'));
    chmodSync(key.privateKeyFile, 0o644);
    expect(() => loadPrivateKey(key.privateKeyFile)).toThrow(/readable by other users: run `chmod 600/);
  });

  it('the signature over a verdict is the same through the signer as through the test helper (Ed25519 is deterministic)', async () => {
    const v = makeVerdict({ kind: 'docker-image', id: IMAGE });
    expect(await signVerdict(v, TEST_KEY.signer)).toEqual(signVerdictSync(v));
  });

  it('creates the development key once, saying so once, and signs with it', () => {
    const notices: string[] = [];
    const ctx = { configDir: dir, stateDir: join(dir, '.imagegate'), notice: (m: string) => notices.push(m) };
    const first = signerFor(undefined, ctx);
    const again = signerFor('local-dev', ctx);
    expect(again.keyId).toBe(first.keyId);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/created a development signing key .*production stages need a real key/);
    expect(existsSync(join(dir, '.imagegate', 'keys', 'dev-signing.key.pub'))).toBe(true);
  });

  it('a stage without a trust list is refused, never open', async () => {
    await expect(trustFor({ name: 'prod' }, { configDir: dir, stateDir: dir })).rejects.toThrow(
      /stage "prod" has no trust policy: add stages\.prod\.trust/,
    );
  });
});

// Key specs, GetPublicKey and the Sign request run against moto in test/aws/kms-signer.test.ts.
// This round trip stays mocked: moto's Sign ignores MessageType=DIGEST (it hashes the digest
// again), so its signatures never verify over the message as those of AWS KMS do.
describe('AWS KMS signer (ECDSA P-256)', () => {
  const kms = mockClient(KMSClient);
  afterEach(() => kms.reset());

  it('sends KMS the sha256 of the PAE, and the DER signature it returns verifies under the KMS public key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const v = makeVerdict({ kind: 'docker-image', id: IMAGE });
    const message = pae(
      IN_TOTO_PAYLOAD_TYPE,
      statementBytes(makeStatement(subjectFor(verdictSubject(v)), VERDICT_PREDICATE, v)),
    );
    kms
      .on(SignCommand)
      .callsFake(async (input: { Message: Uint8Array; MessageType: string; SigningAlgorithm: string }) => {
        expect(input.MessageType).toBe('DIGEST');
        expect(input.SigningAlgorithm).toBe('ECDSA_SHA_256');
        expect(Buffer.from(input.Message)).toEqual(createHash('sha256').update(message).digest());
        return { Signature: sign('sha256', message, privateKey), KeyId: ARN };
      });
    kms.on(GetPublicKeyCommand).resolves({
      PublicKey: publicKey.export({ type: 'spki', format: 'der' }),
      KeySpec: 'ECC_NIST_P256',
    });
    const clients = new AwsClients();
    const env = await signVerdict(v, kmsSigner(ARN, clients.kms({ region: 'eu-west-1' })));
    expect(env.signatures[0]?.keyid).toBe(ARN);
    const trust = await trustFor(
      { name: 'prod', trust: [{ kms: ARN }] },
      { configDir: dir, stateDir: dir, clients },
    );
    const r = verifyVerdict(encodeEnvelope(env), { trust, artifact: { kind: 'docker-image', id: IMAGE } });
    expect(r.ok).toBe(true);
    // The same envelope is not accepted where only the local test key is trusted.
    const other = verifyVerdict(encodeEnvelope(env), { trust: [TEST_KEY.trusted] });
    expect(other).toMatchObject({ ok: false, code: 'untrusted' });
  });
});
