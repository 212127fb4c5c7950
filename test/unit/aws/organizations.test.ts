import { describe, expect, it } from 'vitest';
import { organizationOf } from '../../../src/aws/organizations.js';

// Organizations never lists accounts of two organizations together, so moto cannot show the
// disagreeing case; the rule that decides it is pure (the agreeing case runs against moto in
// test/aws/scopes.test.ts).
describe('organizationOf', () => {
  const arn = (o: string, id: string) => `arn:aws:organizations::111111111111:account/${o}/${id}`;

  it('names the organization every account ARN agrees on, and none when one is missing or differs', () => {
    const a = { id: '111111111111', status: 'ACTIVE', arn: arn('o-abc123', '111111111111') };
    const b = { id: '222222222222', status: 'ACTIVE', arn: arn('o-abc123', '222222222222') };
    expect(organizationOf([a, b])).toBe('o-abc123');
    expect(organizationOf([a, { id: '222222222222', status: 'ACTIVE' }])).toBeUndefined();
    expect(organizationOf([a, { ...b, arn: arn('o-other9', '222222222222') }])).toBeUndefined();
  });
});
