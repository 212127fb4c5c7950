/**
 * An sshd container standing in for the instance moto "launches": moto runs nothing, so what
 * cloud-init would do at first boot is done here, through the test proxy.
 */
import { fingerprint } from '../../../src/transports/known-hosts.js';
import { authorizeKey, type SshdServer } from '../../helpers/sshd.js';
import type { MotoProxy } from './proxy.js';

/**
 * Install every launch key the product imports (ImportKeyPair's PublicKeyMaterial) on
 * `servers`, as cloud-init installs it for the login user. Runs before the call reaches moto
 * (authorizeKey is synchronous), so the key is there before any SSH attempt.
 */
export function installLaunchKeys(proxy: MotoProxy, servers: () => SshdServer[]): void {
  const watch = (): void => {
    void proxy.nextCall('ImportKeyPair').then((call) => {
      const key = Buffer.from(String(call.params.PublicKeyMaterial), 'base64').toString('utf8');
      for (const s of servers()) authorizeKey(s, key);
      watch();
    });
  };
  watch();
}

/** The SHA256 fingerprint of a server's ED25519 host key, as ssh-keygen -l prints it. */
export function hostFingerprint(server: SshdServer): string {
  const [, blob] = server.hostPublicKey.split(' ');
  return fingerprint(Buffer.from(blob as string, 'base64'));
}

/** A booting instance's console, with the host key block cloud-init prints when given one. */
export function consoleText(fp: string | undefined): string {
  const block = fp
    ? `ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----\nec2: 256 ${fp} root@ip-10-0-0-5 (ED25519)\nec2: -----END SSH HOST KEY FINGERPRINTS-----\n`
    : '';
  return `[    0.000000] Linux version 6.1\ncloud-init: booting\n${block}login:\n`;
}
