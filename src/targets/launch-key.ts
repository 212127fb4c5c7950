import ssh2 from 'ssh2';

export interface LaunchKey {
  /** OpenSSH private key, kept in memory only. */
  private: string;
  /** `ssh-ed25519 AAAA… comment`, imported into EC2 for the instance. */
  public: string;
}

/**
 * A throwaway ed25519 key pair for one instance. ssh2's generator drops leading zero bytes of
 * the public key, so about one key in 256 is one ssh2 itself cannot parse
 * (https://github.com/mscdex/ssh2/issues/1513); such a key is discarded and another drawn.
 */
export function launchKey(comment: string): LaunchKey {
  for (let attempt = 0; attempt < 16; attempt++) {
    const keys = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    const usable = [keys.private, keys.public].every((k) => !(ssh2.utils.parseKey(k) instanceof Error));
    if (usable) return keys;
  }
  throw new Error('could not generate a usable ed25519 key pair in 16 attempts');
}
