/**
 * Local signing keys: Ed25519, PKCS#8 PEM, written mode 0600 beside an SPKI PEM public key
 * (`<file>.pub`). A key id is the sha256 (hex) of the public key's DER SubjectPublicKeyInfo,
 * so anyone holding the public key computes the same id (`openssl pkey -pubin -outform DER |
 * sha256sum`).
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../core/errors.js';

export interface LocalKey {
  privateKeyFile: string;
  publicKeyFile: string;
  keyId: string;
  publicKeyPem: string;
}

/** The development key `gate` and `test` create on first use, under `.imagegate/`. */
export const DEV_KEY = 'keys/dev-signing.key';

export function devKeyFile(stateDir: string): string {
  return join(stateDir, DEV_KEY);
}

export function publicKeyFileFor(privateKeyFile: string): string {
  return `${privateKeyFile}.pub`;
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/**
 * Write a new Ed25519 key pair. Refuses to overwrite (a lost signing key orphans every
 * attestation it made). The private key is created 0600 from the start, never chmod-ed later.
 */
export function generateKey(privateKeyFile: string): LocalKey {
  if (existsSync(privateKeyFile)) {
    throw new UserError(`${privateKeyFile} already exists: choose another --out, or remove it first`);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  mkdirSync(dirname(privateKeyFile), { recursive: true, mode: 0o700 });
  writeFileSync(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
    flag: 'wx',
  });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const publicKeyFile = publicKeyFileFor(privateKeyFile);
  writeFileSync(publicKeyFile, publicKeyPem, { mode: 0o644 });
  return { privateKeyFile, publicKeyFile, keyId: keyIdOf(publicKey), publicKeyPem };
}

/** The repository's development key, created when missing; `created` says whether it was. */
export function ensureDevKey(stateDir: string): LocalKey & { created: boolean } {
  const file = devKeyFile(stateDir);
  if (!existsSync(file)) return { ...generateKey(file), created: true };
  const privateKey = loadPrivateKey(file);
  const publicKey = createPublicKey(privateKey);
  const publicKeyFile = publicKeyFileFor(file);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  // The public half is derived, so a deleted .pub is simply written again.
  if (!existsSync(publicKeyFile)) writeFileSync(publicKeyFile, publicKeyPem, { mode: 0o644 });
  return { privateKeyFile: file, publicKeyFile, keyId: keyIdOf(publicKey), publicKeyPem, created: false };
}

/** Read a private key, refusing one that others can read (as ssh does). */
export function loadPrivateKey(file: string): KeyObject {
  let text: string;
  try {
    if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
      throw new UserError(
        `${file}: signing key is readable by other users: run \`chmod 600 ${file}\` (and rotate it if it leaked)`,
      );
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(
      `${file}: cannot read the signing key (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}): run \`imagegate keygen --out ${file}\` or fix evidence.signer in imagegate.yaml`,
    );
  }
  try {
    return createPrivateKey(text);
  } catch {
    throw new UserError(`${file}: not a PEM private key: make one with \`imagegate keygen\``);
  }
}

/** A public key from a PEM file (SPKI), or a PEM string. */
export function loadPublicKey(file: string): KeyObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(
      `${file}: cannot read the trusted public key (${(err as NodeJS.ErrnoException).code ?? 'unreadable'}): check stages.*.trust in imagegate.yaml`,
    );
  }
  try {
    return createPublicKey(text);
  } catch {
    throw new UserError(`${file}: not a PEM public key (expected the .pub file \`imagegate keygen\` wrote)`);
  }
}
