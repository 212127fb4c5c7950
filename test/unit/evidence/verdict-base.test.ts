import { describe, expect, it } from 'vitest';
import { verifyVerdict } from '../../../src/evidence/verify.js';
import { signedVerdictBytes, TEST_KEY } from '../../helpers/evidence.js';
import { makeVerdict } from '../../helpers/verdicts.js';

/** `base` is optional: verdicts from before it existed verify as they did; a malformed one does not. */
describe('verdict base', () => {
  const trust = [TEST_KEY.trusted];
  const artifact = { kind: 'ami' as const, id: 'ami-0aaa0000000000001', region: 'eu-west-1' };

  it('verifies with a recorded base and without one', () => {
    const withBase = {
      ...makeVerdict(artifact),
      base: { kind: 'ami' as const, id: 'ami-00000000000000001', region: 'eu-west-1' },
    };
    const r = verifyVerdict(signedVerdictBytes(withBase), { trust });
    expect(r.ok).toBe(true);
    expect(r.ok && r.predicate.base).toEqual(withBase.base);
    const old = verifyVerdict(signedVerdictBytes(makeVerdict(artifact)), { trust });
    expect(old.ok && old.predicate.base).toBeUndefined();
    expect(old.ok).toBe(true);
  });

  it('refuses a base with fields the schema does not know', () => {
    const odd = { ...makeVerdict(artifact), base: { kind: 'ami', id: 'ami-1', extra: 1 } } as never;
    expect(verifyVerdict(signedVerdictBytes(odd), { trust }).ok).toBe(false);
  });
});
