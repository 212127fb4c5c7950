import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { launchKey } from '../../../src/targets/launch-key.js';

describe('launchKey', () => {
  // ssh2 alone yields an unparsable key about once in 256 draws; 1,500 draws would hit one
  // with probability above 99.7% if the discard were missing. Key generation is CPU-bound, so
  // a loaded machine gets a generous timeout.
  it('never returns a key pair ssh2 cannot parse', { timeout: 60_000 }, () => {
    for (let i = 0; i < 1500; i++) {
      const key = launchKey(`imagegate-run-${i}`);
      expect(ssh2.utils.parseKey(key.private)).not.toBeInstanceOf(Error);
      const pub = ssh2.utils.parseKey(key.public);
      expect(pub).not.toBeInstanceOf(Error);
      expect(key.public).toMatch(new RegExp(`^ssh-ed25519 \\S+ imagegate-run-${i}$`));
    }
  });
});
