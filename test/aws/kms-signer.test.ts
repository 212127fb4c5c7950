/**
 * Evidence keys in AWS KMS against moto's KMS: a stage trusting `{kms: ARN}` reads the key's
 * public key with GetPublicKey and accepts only ECC_NIST_P256; the signer sends KMS the sha256
 * of the message as a DIGEST for ECDSA_SHA_256, and a failing Sign is exit 3 naming the key.
 * moto's Sign ignores MessageType=DIGEST (it hashes the digest again), so a signature from it
 * never verifies over the message as AWS's does: the sign-then-verify round trip stays mocked
 * in test/unit/evidence/signers.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, GetPublicKeyCommand, type KeySpec, KMSClient } from '@aws-sdk/client-kms';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { trustFor } from '../../src/evidence/setup.js';
import { kmsSigner } from '../../src/evidence/signer.js';
import { clientIn, MANAGEMENT } from './helpers/moto.js';
import { useMoto } from './helpers/session.js';

const REGION = 'eu-west-1';
const moto = useMoto({ region: REGION });
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aws-kms-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const kms = () => clientIn(KMSClient, MANAGEMENT, REGION);
async function key(spec: KeySpec): Promise<string> {
  const made = await kms().send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY' }));
  return made.KeyMetadata?.Arn as string;
}
const trust = (arn: string) =>
  trustFor(
    { name: 'prod', trust: [{ kms: arn }] },
    { configDir: dir, stateDir: dir, clients: new AwsClients() },
  );

describe('KMS evidence keys against moto', () => {
  it('a stage trusting a P-256 key gets the public key KMS holds for it', async () => {
    const arn = await key('ECC_NIST_P256');
    const [trusted] = await trust(arn);
    expect(trusted?.keyId).toBe(arn);
    expect(trusted?.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const held = (await kms().send(new GetPublicKeyCommand({ KeyId: arn }))).PublicKey;
    expect(trusted?.publicKey.export({ type: 'spki', format: 'der' })).toEqual(Buffer.from(held ?? []));
  });

  it.each<KeySpec>(['RSA_2048', 'ECC_NIST_P384'])('refuses a %s key', async (spec) => {
    await expect(trust(await key(spec))).rejects.toThrow(
      new RegExp(`is a ${spec} key; evidence keys in KMS are ECC_NIST_P256`),
    );
  });

  it('signs with the sha256 of the message as a DIGEST; a key KMS does not have is exit 3 naming it', async () => {
    const arn = await key('ECC_NIST_P256');
    const clients = new AwsClients({ maxAttempts: 1 });
    const message = Buffer.from('DSSEv1 28 application/vnd.in-toto+json 2 {}');
    const signature = await kmsSigner(arn, clients.kms({ region: REGION })).sign(message);
    // An ASN.1 DER ECDSA signature: SEQUENCE of two INTEGERs.
    expect(signature[0]).toBe(0x30);
    const sent = moto.proxy.calls.find((c) => c.action === 'Sign')?.params;
    expect(sent).toMatchObject({
      KeyId: arn,
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
      Message: createHash('sha256').update(message).digest('base64'),
    });

    const missing = arn.replace(/key\/.*$/, 'key/00000000-0000-0000-0000-000000000000');
    await expect(kmsSigner(missing, clients.kms({ region: REGION })).sign(message)).rejects.toMatchObject({
      exitCode: 3,
      message: expect.stringMatching(new RegExp(`^KMS Sign with ${missing} failed: `)),
    });
  });
});
