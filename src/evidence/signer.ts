/**
 * Who signs evidence: a local Ed25519 key, or an AWS KMS asymmetric key (ECC_NIST_P256,
 * ECDSA_SHA_256). Both sign the DSSE PAE bytes; KMS is sent their sha256 (MessageType DIGEST)
 * because Sign accepts at most 4096 bytes of raw message and a verdict is larger.
 */
import { createHash, createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import { UserError } from '../core/errors.js';
import { keyIdOf, loadPrivateKey } from './keys.js';

export interface Signer {
  /** Written into each DSSE signature's `keyid`: the public key's id, or the KMS key ARN. */
  keyId: string;
  /** For messages: `local key 3f2a…` / `KMS key arn:…`. */
  describe: string;
  sign(message: Buffer): Promise<Buffer>;
}

export function ed25519Signer(privateKey: KeyObject, label = 'local key'): Signer {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new UserError(
      `${label}: evidence keys are Ed25519; this is ${privateKey.asymmetricKeyType ?? 'unknown'}`,
    );
  }
  const keyId = keyIdOf(createPublicKey(privateKey));
  return {
    keyId,
    describe: `${label} ${keyId.slice(0, 16)}`,
    sign: async (message) => cryptoSign(null, message, privateKey),
  };
}

export function localSigner(privateKeyFile: string): Signer {
  return ed25519Signer(loadPrivateKey(privateKeyFile), `local key ${privateKeyFile}`);
}

/** `arn:aws:kms:eu-west-1:111111111111:key/…` → `eu-west-1`. */
export function kmsRegion(arn: string): string {
  const region = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):[0-9]{12}:(key|alias)\//.exec(arn)?.[1];
  if (!region) {
    throw new UserError(
      `${arn}: not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID): fix evidence.signer.kms`,
    );
  }
  return region;
}

/**
 * A KMS client, or how to get one: `test` and `gate` of a docker image with a local key must not
 * load the AWS SDK (~0.5 s of imports), so setup hands over a function and the SDK loads on sign.
 */
export type KmsSource = KMSClient | (() => Promise<KMSClient>);

async function kmsClientOf(kms: KmsSource): Promise<KMSClient> {
  return typeof kms === 'function' ? kms() : kms;
}

export function kmsSigner(keyArn: string, kms: KmsSource): Signer {
  return {
    keyId: keyArn,
    describe: `KMS key ${keyArn}`,
    async sign(message) {
      const digest = createHash('sha256').update(message).digest();
      let out: { Signature?: Uint8Array | undefined };
      try {
        const { SignCommand } = await import('@aws-sdk/client-kms');
        out = await (await kmsClientOf(kms)).send(
          new SignCommand({
            KeyId: keyArn,
            Message: digest,
            MessageType: 'DIGEST',
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        );
      } catch (err) {
        throw new UserError(`KMS Sign with ${keyArn} failed: ${(err as Error).message}`, 3);
      }
      if (!out.Signature) throw new UserError(`KMS Sign with ${keyArn} returned no signature`, 3);
      // KMS returns an ASN.1 DER ECDSA signature: the encoding DSSE tooling and node expect.
      return Buffer.from(out.Signature);
    },
  };
}

/** A KMS key's public key (DER SPKI), for verification; must be an ECDSA P-256 signing key. */
export async function kmsPublicKey(keyArn: string, kms: KmsSource): Promise<KeyObject> {
  let out: { PublicKey?: Uint8Array | undefined; KeySpec?: string | undefined };
  try {
    const { GetPublicKeyCommand } = await import('@aws-sdk/client-kms');
    out = await (await kmsClientOf(kms)).send(new GetPublicKeyCommand({ KeyId: keyArn }));
  } catch (err) {
    throw new UserError(`KMS GetPublicKey for ${keyArn} failed: ${(err as Error).message}`, 3);
  }
  if (!out.PublicKey) throw new UserError(`KMS GetPublicKey for ${keyArn} returned no key`, 3);
  if (out.KeySpec && out.KeySpec !== 'ECC_NIST_P256') {
    throw new UserError(
      `${keyArn} is a ${out.KeySpec} key; evidence keys in KMS are ECC_NIST_P256 (SIGN_VERIFY)`,
    );
  }
  return createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
}
