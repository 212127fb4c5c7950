import { describe, expect, it } from 'vitest';
import { consoleFingerprints } from '../../../src/targets/console-fingerprints.js';

const FP1 = 'SHA256:oPNfpiFlIB9OIq0KwQwT3sHYsTNX4xRJmyXPPnATvhg';
const FP2 = 'SHA256:hpQgdDKMAFTujmMTd8bIU2p9GEs8zJFbY5RNCA/M0No';

describe('console output fingerprints', () => {
  it('reads the cloud-init block, ec2: prefixes included', () => {
    const text = [
      '[  12.3] cloud-init[812]: Cloud-init v. 23.1 running',
      'ec2: #############################################################',
      'ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----',
      `ec2: 256 ${FP1} root@ip-10-0-0-5 (ED25519)`,
      `ec2: 256 ${FP2} root@ip-10-0-0-5 (ECDSA)`,
      'ec2: -----END SSH HOST KEY FINGERPRINTS-----',
    ].join('\n');
    expect(consoleFingerprints(text)).toEqual([FP1, FP2]);
  });

  it('uses the last block (a reboot prints it again) and ignores fingerprints outside it', () => {
    const block = (fp: string) =>
      `-----BEGIN SSH HOST KEY FINGERPRINTS-----\n256 ${fp} (ED25519)\n-----END SSH HOST KEY FINGERPRINTS-----\n`;
    expect(consoleFingerprints(`${block(FP1)}noise ${FP1}\n${block(FP2)}`)).toEqual([FP2]);
  });

  it('finds nothing before cloud-init printed the block or when it is cut off', () => {
    expect(consoleFingerprints('Linux version 6.1\nlogin:')).toEqual([]);
    expect(consoleFingerprints(`-----BEGIN SSH HOST KEY FINGERPRINTS-----\n256 ${FP1}`)).toEqual([]);
  });
});
