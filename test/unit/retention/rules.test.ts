import { describe, expect, it } from 'vitest';
import { globToRegExp, groupOf, normalizeRules } from '../../../src/retention/rules.js';
import { img } from './plan-input.js';

describe('normalizeRules', () => {
  it('fills safe defaults', () => {
    const { rules, problems } = normalizeRules();
    expect(problems).toEqual([]);
    expect(rules).toMatchObject({
      keepNewest: 3,
      keepYoungerThanDays: 14,
      retainAtLeast: 3,
      sharedOutsideScope: 'keep',
      stages: { deprecate: true, deregisterAfterDays: 30 },
      group: { tag: 'imagegate:family' },
      protect: { public: true, deregistrationProtected: true, awsBackup: true, pinTags: ['imagegate:pin'] },
    });
    expect(rules.maxDeletions).toBeUndefined();
  });

  it('reports a bad name pattern and disable after deregister', () => {
    const { problems } = normalizeRules({
      group: { namePattern: '(' },
      stages: { disableAfterDays: 9, deregisterAfterDays: 3 },
    });
    expect(problems[0]).toMatch(/^group\.namePattern: invalid regular expression "\("/);
    expect(problems[1]).toBe('stages.disableAfterDays: must not be later than stages.deregisterAfterDays');
  });

  it('uses the tag first, then the name pattern', () => {
    const { rules } = normalizeRules({ group: { tag: 'Family', namePattern: '^(.*)-v\\d+$' } });
    expect(groupOf(rules, img(1, 'x', { name: 'api-v3', tags: { Family: 'web' } }))).toBe('web');
    expect(groupOf(rules, img(1, 'x', { name: 'api-v3', tags: {} }))).toBe('api');
    expect(groupOf(rules, img(1, 'x', { name: 'nothing', tags: {} }))).toBeUndefined();
  });
});

describe('globToRegExp', () => {
  it('matches whole names, * across slashes, ? one character, everything else literal', () => {
    expect(globToRegExp('web/*').test('web/2024/01')).toBe(true);
    expect(globToRegExp('web-?').test('web-12')).toBe(false);
    expect(globToRegExp('a.b(c)').test('a.b(c)')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });
});
