import { describe, expect, it } from 'vitest';
import { planRetention } from '../../../src/retention/plan.js';
import { A, actions, B, DAY, img, input, NOW, noShares, REGION } from './plan-input.js';

const base = { keepNewest: 2, keepYoungerThanDays: 7, retainAtLeast: 0 };
const iso = (daysAgo: number) => new Date(NOW.getTime() - daysAgo * DAY).toISOString();

describe('planRetention: ranking and age', () => {
  it('keeps the newest N per group and deprecates older images past the age limit', () => {
    const imgs = [img(30, 'web'), img(20, 'web'), img(10, 'web'), img(9, 'web'), img(40, 'api')];
    const d = actions(imgs, { ...base, keepNewest: 2 });
    expect(d.get(imgs[3]!.id)?.reasons.map((r) => r.code)).toContain('newest');
    expect(d.get(imgs[2]!.id)?.action).toBe('keep');
    expect(d.get(imgs[1]!.id)?.action).toBe('deprecate');
    expect(d.get(imgs[0]!.id)?.action).toBe('deprecate');
    // api has one image: it is its group's newest.
    expect(d.get(imgs[4]!.id)?.action).toBe('keep');
  });

  it('keeps images younger than D even when they are not among the newest', () => {
    const imgs = [img(1, 'web'), img(2, 'web'), img(3, 'web'), img(8, 'web')];
    const d = actions(imgs, { ...base, keepNewest: 1 });
    expect(d.get(imgs[2]!.id)?.reasons).toEqual([{ code: 'young', detail: '3 days old (< 7)' }]);
    expect(d.get(imgs[3]!.id)?.action).toBe('deprecate');
  });

  it('ranks groups per account-region: the same family elsewhere is ranked on its own', () => {
    const a = [img(30, 'web'), img(20, 'web')];
    const b = [img(50, 'web', { account: B }), img(40, 'web', { account: B })];
    const d = actions([...a, ...b], { ...base, keepNewest: 1 });
    expect(d.get(a[1]!.id)?.action).toBe('keep');
    expect(d.get(b[1]!.id)?.action).toBe('keep');
    expect(d.get(a[0]!.id)?.action).toBe('deprecate');
    expect(d.get(b[0]!.id)?.action).toBe('deprecate');
  });

  it('does not count disabled or pending images among the newest N', () => {
    const imgs = [
      img(30, 'web'),
      img(20, 'web', { state: 'disabled', deprecationTime: iso(15) }),
      img(10, 'web', { state: 'pending' }),
    ];
    const d = actions(imgs, { ...base, keepNewest: 1 });
    expect(d.get(imgs[2]!.id)?.reasons.map((r) => r.code)).toEqual(['not-available']);
    expect(d.get(imgs[0]!.id)?.reasons.map((r) => r.code)).toEqual(['newest']);
  });
});

describe('planRetention: selection and grouping', () => {
  it('keeps what the name globs, excludes and tag filters do not select', () => {
    const imgs = [
      img(30, 'web', { name: 'web/2024-01' }),
      img(30, 'web', { name: 'web/2024-01-keep' }),
      img(30, 'web', { name: 'db-2024' }),
      img(30, 'web', { name: 'web/2024-02', tags: { 'imagegate:family': 'web', Team: 'other' } }),
    ];
    const cfg = {
      ...base,
      keepNewest: 0,
      select: { names: ['web/*'], excludeNames: ['*-keep'], tags: { Team: 'p?at*' } },
    };
    const withTeam = imgs.map((i, n) => (n === 3 ? i : { ...i, tags: { ...i.tags, Team: 'platform' } }));
    const d = actions(withTeam, cfg);
    expect(d.get(imgs[0]!.id)?.action).toBe('deprecate');
    for (const i of [1, 2, 3]) expect(d.get(imgs[i]!.id)?.reasons[0]?.code).toBe('not-selected');
  });

  it('derives the group from a name pattern (named group or first capture)', () => {
    const imgs = [
      img(30, 'x', { name: 'web-20240101', tags: {} }),
      img(20, 'x', { name: 'web-20240201', tags: {} }),
    ];
    for (const namePattern of ['^(?<group>.+)-\\d{8}$', '^(.+)-\\d{8}$']) {
      const d = actions(imgs, { ...base, keepNewest: 1, group: { namePattern } });
      expect(d.get(imgs[0]!.id)?.group).toBe('web');
      expect(d.get(imgs[0]!.id)?.action).toBe('deprecate');
    }
  });

  it('keeps images that have no group key', () => {
    const i = img(300, 'x', { tags: {} });
    const d = actions([i], { ...base, keepNewest: 0 });
    expect(d.get(i.id)?.reasons[0]?.code).toBe('ungrouped');
  });
});

describe('planRetention: protections, usage and sharing', () => {
  const old = () => img(100, 'web');
  const cfg = { ...base, keepNewest: 0 };

  it.each([
    ['stage tag', { tags: { 'imagegate:family': 'web', Stage: 'prod' } }, 'stage tag Stage=prod'],
    [
      'pin tag',
      { tags: { 'imagegate:family': 'web', 'imagegate:pin': 'incident-42' } },
      'pinned by tag imagegate:pin',
    ],
    ['deregistration protection', { deregistrationProtected: true }, 'deregistration protection is enabled'],
    ['public', { public: true }, 'public image'],
    [
      'AWS Backup tag',
      { tags: { 'imagegate:family': 'web', 'aws:backup:source-resource': 'x' } },
      'created by AWS Backup',
    ],
  ])('protects by %s', (_what, over, detail) => {
    const i = { ...old(), ...over };
    const d = actions([i], cfg);
    expect(d.get(i.id)?.action).toBe('keep');
    expect(d.get(i.id)?.reasons).toContainEqual({ code: 'protected', detail });
  });

  it('does not protect a non-matching stage value or a pin set to false', () => {
    const i = { ...old(), tags: { 'imagegate:family': 'web', Stage: 'dev', 'imagegate:pin': 'false' } };
    expect(actions([i], cfg).get(i.id)?.action).toBe('deprecate');
  });

  it('keeps images in use anywhere in scope and lists every source', () => {
    const i = old();
    const usage = [
      { imageId: i.id, source: 'instance' as const, ref: 'i-2 (stopped)', account: B, region: REGION },
      { imageId: i.id, source: 'instance' as const, ref: 'i-1 (running)', account: B, region: REGION },
      { imageId: i.id, source: 'launch-template' as const, ref: 'lt-1 v3', account: A, region: REGION },
    ];
    const d = actions([i], cfg, { usage }).get(i.id)!;
    expect(d.action).toBe('keep');
    expect(d.reasons).toEqual([
      { code: 'in-use', detail: `instance in ${B}/${REGION}: i-1 (running), i-2 (stopped)` },
      { code: 'in-use', detail: `launch-template in ${A}/${REGION}: lt-1 v3` },
    ]);
  });

  it('keeps images shared outside the scope unless configured to retire them', () => {
    const i = old();
    const lp = new Map([[i.id, { ...noShares, userIds: ['999999999999'] }]]);
    expect(
      actions([i], cfg, { launchPermissions: lp })
        .get(i.id)
        ?.reasons.map((r) => r.code),
    ).toEqual(['shared']);
    expect(
      actions([i], { ...cfg, sharedOutsideScope: 'retire' }, { launchPermissions: lp }).get(i.id)?.action,
    ).toBe('deprecate');
  });

  it('treats a share with an in-scope account as inside; org shares only when the org is the scope', () => {
    const wholeOrg = { organizationWide: true, organizationId: 'o-1' };
    const i = old();
    const scopes = [
      { account: A, region: REGION },
      { account: B, region: REGION },
    ];
    const toB = new Map([[i.id, { ...noShares, userIds: [B] }]]);
    expect(actions([i], cfg, { launchPermissions: toB, scopes }).get(i.id)?.action).toBe('deprecate');
    const toOrg = new Map([
      [i.id, { ...noShares, organizationArns: ['arn:aws:organizations::1:organization/o-1'] }],
    ]);
    expect(actions([i], cfg, { launchPermissions: toOrg, scopes }).get(i.id)?.action).toBe('keep');
    expect(actions([i], cfg, { launchPermissions: toOrg, scopes, ...wholeOrg }).get(i.id)?.action).toBe(
      'deprecate',
    );
    // The same share when the organization in scope is unknown: never guess, keep.
    expect(
      actions([i], cfg, { launchPermissions: toOrg, scopes, organizationWide: true }).get(i.id)?.action,
    ).toBe('keep');
  });

  it('keeps an image shared with a foreign organization or OU, even when the scope is the whole organization', () => {
    const i = old();
    const scopes = [{ account: A, region: REGION }];
    const wholeOrg = { organizationWide: true, organizationId: 'o-1' };
    for (const lp of [
      { ...noShares, organizationArns: ['arn:aws:organizations::999999999999:organization/o-foreign'] },
      {
        ...noShares,
        organizationalUnitArns: ['arn:aws:organizations::999999999999:ou/o-foreign/ou-ab12-cdef3456'],
      },
    ]) {
      const d = actions([i], cfg, { launchPermissions: new Map([[i.id, lp]]), scopes, ...wholeOrg }).get(
        i.id,
      );
      expect(d?.action).toBe('keep');
      expect(d?.reasons.map((r) => r.detail).join(' ')).toMatch(
        /outside the scope: arn:aws:organizations::999999999999/,
      );
    }
    const ownOu = {
      ...noShares,
      organizationalUnitArns: ['arn:aws:organizations::1:ou/o-1/ou-ab12-cdef3456'],
    };
    expect(
      actions([i], cfg, { launchPermissions: new Map([[i.id, ownOu]]), scopes, ...wholeOrg }).get(i.id)
        ?.action,
    ).toBe('deprecate');
  });

  it('keeps an image shared with an in-scope account whose usage could not be listed', () => {
    const i = old();
    const scopes = [
      { account: A, region: REGION },
      { account: B, region: REGION },
    ];
    const failures = [{ account: B, region: REGION, source: 'instance' as const, error: 'AccessDenied' }];
    const lp = new Map([[i.id, { ...noShares, userIds: [B] }]]);
    const d = actions([i], cfg, { launchPermissions: lp, scopes, failures }).get(i.id)!;
    expect(d.action).toBe('keep');
    expect(d.reasons[0]?.code).toBe('scope-incomplete');
    // Org-wide sharing: any failed account in the region might use it.
    const org = new Map([
      [i.id, { ...noShares, organizationArns: ['arn:aws:organizations::1:organization/o-1'] }],
    ]);
    expect(
      actions([i], cfg, {
        launchPermissions: org,
        scopes,
        failures,
        organizationWide: true,
        organizationId: 'o-1',
      }).get(i.id)?.action,
    ).toBe('keep');
  });

  it('fails closed: nothing in a scope with a failed usage source is retired, and says why', () => {
    const imgs = [img(100, 'web'), img(90, 'web'), img(100, 'web', { account: B })];
    const failures = [
      { account: A, region: REGION, source: 'launch-template' as const, error: 'AccessDenied: no' },
    ];
    const plan = planRetention(input(imgs, cfg, { failures }));
    const byId = new Map(plan.decisions.map((d) => [d.image.id, d]));
    expect(byId.get(imgs[0]!.id)?.reasons[0]).toEqual({
      code: 'scope-incomplete',
      detail: `${A}/${REGION} not fully listed (launch-template: AccessDenied: no)`,
    });
    expect(byId.get(imgs[1]!.id)?.action).toBe('keep');
    expect(byId.get(imgs[2]!.id)?.action).toBe('deprecate');
    expect(plan.summary.incompleteScopes).toBe(1);
  });

  it('holds back candidates whose launch permissions are not known yet', () => {
    const i = old();
    const plan = planRetention(input([i], cfg, { launchPermissions: new Map() }));
    expect(plan.needLaunchPermissions).toEqual([i.id]);
    expect(plan.decisions[0]?.action).toBe('keep');
    expect(plan.decisions[0]?.reasons.at(-1)?.code).toBe('launch-permissions-unknown');
  });
});

describe('planRetention: floor, stages and cap', () => {
  it('keeps the newest candidates until the group reaches its floor; in-use keeps count', () => {
    const imgs = [img(50, 'web'), img(40, 'web'), img(30, 'web'), img(20, 'web')];
    const d = actions(imgs, { ...base, keepNewest: 1, retainAtLeast: 3 });
    expect(d.get(imgs[3]!.id)?.reasons[0]?.code).toBe('newest');
    expect(d.get(imgs[2]!.id)?.reasons[0]?.code).toBe('floor');
    expect(d.get(imgs[1]!.id)?.reasons[0]?.code).toBe('floor');
    expect(d.get(imgs[0]!.id)?.action).toBe('deprecate');
    const usage = [
      { imageId: imgs[0]!.id, source: 'instance' as const, ref: 'i-1', account: A, region: REGION },
    ];
    const u = actions(imgs, { ...base, keepNewest: 1, retainAtLeast: 3 }, { usage });
    expect(u.get(imgs[1]!.id)?.action).toBe('deprecate');
    expect(u.get(imgs[2]!.id)?.reasons[0]?.code).toBe('floor');
  });

  it('walks deprecate → disable → deregister by the deprecation time', () => {
    const cfg = { ...base, keepNewest: 0, stages: { disableAfterDays: 7, deregisterAfterDays: 30 } };
    const fresh = img(100, 'web');
    const waiting = img(100, 'web', { deprecationTime: iso(3) });
    const disableDue = img(100, 'web', { deprecationTime: iso(8) });
    const disabledWaiting = img(100, 'web', { deprecationTime: iso(8), state: 'disabled' });
    const deregDue = img(100, 'web', { deprecationTime: iso(31), state: 'disabled' });
    const futureDeprecation = img(100, 'web', { deprecationTime: iso(-5) });
    const d = actions([fresh, waiting, disableDue, disabledWaiting, deregDue, futureDeprecation], cfg);
    expect(d.get(fresh.id)?.action).toBe('deprecate');
    expect(d.get(waiting.id)?.action).toBe('keep');
    expect(d.get(waiting.id)?.reasons.at(-1)).toEqual({
      code: 'retiring',
      detail: `deprecated ${iso(3)}; disable due ${iso(-4)}`,
    });
    expect(d.get(disableDue.id)?.action).toBe('disable');
    expect(d.get(disabledWaiting.id)?.action).toBe('keep');
    expect(d.get(deregDue.id)?.action).toBe('deregister');
    expect(d.get(futureDeprecation.id)?.action).toBe('deprecate');
  });

  it('deregisters straight after deprecation when there is no disable stage, or at once when staging is off', () => {
    const i = img(100, 'web', { deprecationTime: iso(31) });
    expect(actions([i], { ...base, keepNewest: 0 }).get(i.id)?.action).toBe('deregister');
    const j = img(100, 'web');
    expect(actions([j], { ...base, keepNewest: 0, stages: { deprecate: false } }).get(j.id)?.action).toBe(
      'deregister',
    );
  });

  it('caps deletions per run (absolute and percent), deleting the oldest first', () => {
    const imgs = Array.from({ length: 10 }, (_, n) => img(100 + n, 'web', { deprecationTime: iso(40) }));
    const cfg = { ...base, keepNewest: 0 };
    const abs = planRetention(input(imgs, { ...cfg, maxDeletions: 3 }));
    const deleted = abs.decisions.filter((d) => d.action === 'deregister').map((d) => d.image.id);
    expect(deleted.sort()).toEqual([imgs[9]!.id, imgs[8]!.id, imgs[7]!.id].sort());
    expect(abs.summary).toMatchObject({ deregister: 3, deferredByCap: 7, deletionCap: 3 });
    const pct = planRetention(input(imgs, { ...cfg, maxDeletions: 5, maxDeletionsPercent: 20 }));
    expect(pct.summary).toMatchObject({ deregister: 2, deletionCap: 2 });
    expect(pct.decisions.find((d) => d.action === 'keep')?.reasons.at(-1)?.code).toBe('cap');
  });
});

describe('planRetention: output', () => {
  it('is deterministic and independent of input order', () => {
    const imgs = [img(30, 'web'), img(20, 'api'), img(10, 'web', { account: B }), img(50, 'web')];
    const a = planRetention(input(imgs, base));
    const b = planRetention(input([...imgs].reverse(), base));
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(a.decisions.map((d) => d.image.account)).toEqual([A, A, A, B]);
  });
});

describe('planRetention: public launch permission', () => {
  it('keeps an image whose launch permission includes group all, even if Public was not reported', () => {
    const i = img(100, 'web');
    const lp = new Map([[i.id, { ...noShares, groups: ['all'] }]]);
    const d = actions([i], { ...base, keepNewest: 0 }, { launchPermissions: lp }).get(i.id)!;
    expect(d.reasons).toEqual([
      { code: 'shared', detail: 'launch permission outside the scope: all (public)' },
    ]);
  });
});
