/**
 * Trust policy: per stage, the keys whose signatures may promote into it. Entries, as written
 * in imagegate.yaml `stages.<name>.trust`:
 * - `local-dev`: this repository's generated development key (`.imagegate/keys/dev-signing.key.pub`);
 * - `{ publicKey: FILE }`: an Ed25519 or ECDSA P-256 public key (PEM), e.g. from `imagegate keygen`;
 * - `{ kms: ARN }`: an AWS KMS key; its public key is read with GetPublicKey, or from
 *   `publicKey: FILE` when given (verification then needs no AWS access).
 */
import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { devKeyFile, keyIdOf, loadPublicKey, publicKeyFileFor } from './keys.js';

export type TrustEntry = 'local-dev' | { publicKey: string } | { kms: string; publicKey?: string };

export interface TrustedKey {
  /** What signatures name in `keyid`: the public key id, or the KMS key ARN. */
  keyId: string;
  publicKey: KeyObject;
  /** How the policy named it, for messages and reports. */
  label: string;
}

export interface TrustContext {
  /** Directory relative key paths are resolved against (imagegate.yaml's). */
  configDir: string;
  /** `.imagegate` directory holding the development key. */
  stateDir: string;
  /** Reads a KMS key's public key; needed only for `{kms}` entries without `publicKey`. */
  kmsPublicKey?: (arn: string) => Promise<KeyObject>;
}

export async function resolveTrust(entries: readonly TrustEntry[], ctx: TrustContext): Promise<TrustedKey[]> {
  const out: TrustedKey[] = [];
  const path = (p: string) => (isAbsolute(p) ? p : join(ctx.configDir, p));
  for (const entry of entries) {
    if (entry === 'local-dev') {
      const file = publicKeyFileFor(devKeyFile(ctx.stateDir));
      // No dev key yet means nothing was signed with it: trusting it then trusts nobody.
      if (!existsSync(file)) continue;
      const key = loadPublicKey(file);
      out.push({ keyId: keyIdOf(key), publicKey: key, label: `local-dev key ${keyIdOf(key).slice(0, 16)}` });
    } else if ('kms' in entry) {
      let key: KeyObject;
      if (entry.publicKey) key = loadPublicKey(path(entry.publicKey));
      else if (ctx.kmsPublicKey) key = await ctx.kmsPublicKey(entry.kms);
      else throw new Error(`trust entry ${entry.kms} needs a KMS client or publicKey`);
      out.push({ keyId: entry.kms, publicKey: key, label: `KMS key ${entry.kms}` });
    } else {
      const key = loadPublicKey(path(entry.publicKey));
      out.push({
        keyId: keyIdOf(key),
        publicKey: key,
        label: `key ${entry.publicKey} (${keyIdOf(key).slice(0, 16)})`,
      });
    }
  }
  return out;
}
