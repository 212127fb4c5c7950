import { describe, expect, it } from 'vitest';
import { REDACTED, redact } from '../../../src/core/redact.js';

describe('redact', () => {
  it('masks every occurrence in nested strings and keys, leaving other values alone', () => {
    const v = {
      logs: 'token=abcd1234 again abcd1234',
      list: [{ found: ['xabcd1234y'] }],
      n: 3,
      ok: true,
      abcd1234: 'k',
    };
    expect(redact(['abcd1234'], v)).toEqual({
      logs: `token=${REDACTED} again ${REDACTED}`,
      list: [{ found: [`x${REDACTED}y`] }],
      n: 3,
      ok: true,
      [REDACTED]: 'k',
    });
  });

  it('masks the longer of two overlapping secrets whole', () => {
    expect(redact(['pass', 'password1'], 'password1 pass')).toBe(`${REDACTED} ${REDACTED}`);
  });

  it('leaves values too short to be secrets, and copies instead of mutating', () => {
    const v = { a: 'abc' };
    expect(redact(['abc'], v)).toBe(v);
    const w = { a: 'secret-value' };
    expect(redact(['secret-value'], w)).not.toBe(w);
    expect(w.a).toBe('secret-value');
  });
});
