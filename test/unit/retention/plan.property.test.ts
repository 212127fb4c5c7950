import { describe, expect, it } from 'vitest';
import type { RetentionConfig } from '../../../src/config/types.js';
import type { ImageRecord, LaunchPermissions, ScopeFailure, UsageRef } from '../../../src/retention/model.js';
import { scopeKey } from '../../../src/retention/model.js';
import { type PlanInput, planRetention } from '../../../src/retention/plan.js';
import { normalizeRules } from '../../../src/retention/rules.js';
import { DAY, NOW } from './plan-input.js';

/** mulberry32: small, fast, seedable; failures print the seed so they can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACCOUNTS = ['111111111111', '222222222222', '333333333333'];
const REGIONS = ['eu-west-1', 'us-east-1'];
const FAMILIES = ['web', 'api', 'db', 'batch'];

function generate(seed: number): PlanInput {
  const r = prng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: T[]): T => xs[int(xs.length)] as T;
  const chance = (p: number) => r() < p;
  const images: ImageRecord[] = [];
  const count = 20 + int(150);
  for (let n = 0; n < count; n++) {
    const account = pick(ACCOUNTS);
    const region = pick(REGIONS);
    const family = pick(FAMILIES);
    const tags: Record<string, string> = {};
    if (!chance(0.05)) tags['imagegate:family'] = family;
    if (chance(0.05)) tags.Stage = pick(['prod', 'dev']);
    if (chance(0.05)) tags['imagegate:pin'] = pick(['yes', 'false']);
    if (chance(0.02)) tags['aws:backup:source-resource'] = 'arn:x';
    const age = int(200);
    const state = pick(['available', 'available', 'available', 'disabled', 'pending']);
    const deprecated = state === 'disabled' || chance(0.3);
    images.push({
      id: `ami-${seed}-${n}`,
      account,
      region,
      name: `${family}-${n}`,
      // Coarse timestamps so ties happen and the id tie-break is exercised.
      creationDate: new Date(NOW.getTime() - age * DAY).toISOString(),
      state,
      public: chance(0.03),
      deregistrationProtected: chance(0.03),
      tags,
      snapshotIds: [`snap-${n}`],
      ...(deprecated ? { deprecationTime: new Date(NOW.getTime() - int(age + 1) * DAY).toISOString() } : {}),
    });
  }
  const usage: UsageRef[] = [];
  for (const i of images) {
    if (chance(0.15)) {
      usage.push({
        imageId: i.id,
        source: pick(['instance', 'launch-template', 'launch-configuration', 'ssm-parameter']),
        ref: 'x',
        account: pick(ACCOUNTS),
        region: i.region,
      });
    }
  }
  const launchPermissions = new Map<string, LaunchPermissions>();
  for (const i of images) {
    if (chance(0.1)) continue; // unknown: must never be retired
    const userIds = chance(0.1) ? [pick([...ACCOUNTS, '999999999999'])] : [];
    const organizationArns = chance(0.05)
      ? [`arn:aws:organizations::1:organization/${chance(0.5) ? 'o-1' : 'o-foreign'}`]
      : [];
    launchPermissions.set(i.id, { userIds, groups: [], organizationArns, organizationalUnitArns: [] });
  }
  const failures: ScopeFailure[] = [];
  for (const account of ACCOUNTS) {
    for (const region of REGIONS) {
      if (chance(0.15))
        failures.push({
          account,
          region,
          source: pick(['instance', 'images', 'launch-template']),
          error: 'AccessDenied',
        });
    }
  }
  const cfg: RetentionConfig = {
    keepNewest: int(4),
    keepYoungerThanDays: int(30),
    retainAtLeast: int(6),
    sharedOutsideScope: chance(0.3) ? 'retire' : 'keep',
    stages: chance(0.2)
      ? { deprecate: false }
      : { disableAfterDays: int(10), deregisterAfterDays: 10 + int(30) },
    ...(chance(0.5) ? { maxDeletions: int(10) } : {}),
    ...(chance(0.3) ? { maxDeletionsPercent: int(20) } : {}),
  };
  const { rules } = normalizeRules(cfg);
  const scopes = ACCOUNTS.flatMap((account) => REGIONS.map((region) => ({ account, region })));
  return {
    images,
    usage,
    launchPermissions,
    failures,
    scopes,
    ...(chance(0.5) ? { organizationWide: true, organizationId: 'o-1' } : { organizationWide: false }),
    rules,
    now: NOW,
  };
}

/** Independent re-statement of "must stay": written without the planner's helpers. */
function mustKeep(input: PlanInput, i: ImageRecord, newest: Set<string>): string | undefined {
  const { rules } = input;
  if (input.failures.some((f) => f.account === i.account && f.region === i.region)) return 'failed scope';
  if (input.usage.some((u) => u.imageId === i.id)) return 'in use';
  if (i.tags.Stage === 'prod' || (i.tags['imagegate:pin'] ?? 'false') !== 'false') return 'tagged';
  if (i.public || i.deregistrationProtected || i.tags['aws:backup:source-resource']) return 'protected';
  if (newest.has(i.id)) return 'newest';
  if (NOW.getTime() - Date.parse(i.creationDate) < rules.keepYoungerThanDays * DAY) return 'young';
  const lp = input.launchPermissions.get(i.id);
  if (!lp) return 'launch permissions unknown';
  const scope = new Set(input.scopes.map(scopeKey));
  const failed = new Set(input.failures.map(scopeKey));
  for (const u of lp.userIds) {
    const k = `${u}/${i.region}`;
    if (failed.has(k)) return 'shared with failed scope';
    if (!scope.has(k) && rules.sharedOutsideScope === 'keep' && u !== i.account) return 'shared outside';
  }
  if (lp.organizationArns.length > 0) {
    const foreign = lp.organizationArns.some((a) => !a.endsWith(`/${input.organizationId}`));
    if ((!input.organizationWide || foreign) && rules.sharedOutsideScope === 'keep')
      return 'org share outside';
    const ours = lp.organizationArns.some((a) => a.endsWith(`/${input.organizationId}`));
    if (input.organizationWide && ours && [...failed].some((k) => k.endsWith(`/${i.region}`)))
      return 'org share, failed scope';
  }
  return undefined;
}

describe('planRetention properties (seeded random inventories)', () => {
  const seeds = Array.from({ length: 300 }, (_, n) => 1000 + n);

  it.each(seeds)('seed %i: never retires what must stay; floor, cap and determinism hold', (seed) => {
    const inp = generate(seed);
    const plan = planRetention(inp);
    expect(plan.decisions).toHaveLength(inp.images.length);

    const groups = new Map<string, ImageRecord[]>();
    for (const i of inp.images) {
      const fam = i.tags['imagegate:family'];
      if (!fam) continue;
      const k = `${i.account}/${i.region}/${fam}`;
      groups.set(k, [...(groups.get(k) ?? []), i]);
    }
    const newest = new Set<string>();
    for (const members of groups.values()) {
      const usable = members
        .filter((i) => i.state === 'available')
        .sort((a, b) =>
          a.creationDate === b.creationDate
            ? a.id < b.id
              ? -1
              : 1
            : a.creationDate > b.creationDate
              ? -1
              : 1,
        );
      for (const i of usable.slice(0, inp.rules.keepNewest)) newest.add(i.id);
    }

    const byId = new Map(plan.decisions.map((d) => [d.image.id, d]));
    for (const d of plan.decisions) {
      expect(d.reasons.length, `${d.image.id} has no reason`).toBeGreaterThan(0);
      if (d.action === 'keep') continue;
      expect(mustKeep(inp, d.image, newest), `seed ${seed}: ${d.image.id} ${d.action}`).toBeUndefined();
      expect(d.image.state === 'available' || d.image.state === 'disabled').toBe(true);
    }

    for (const members of groups.values()) {
      const usable = members.filter((i) => i.state === 'available');
      const kept = usable.filter((i) => byId.get(i.id)?.action === 'keep').length;
      expect(kept, `seed ${seed}: floor`).toBeGreaterThanOrEqual(
        Math.min(inp.rules.retainAtLeast, usable.length),
      );
    }

    if (plan.summary.deletionCap !== null)
      expect(plan.summary.deregister).toBeLessThanOrEqual(plan.summary.deletionCap);

    const r = prng(seed * 7);
    const shuffled = [...inp.images].sort(() => r() - 0.5);
    expect(JSON.stringify(planRetention({ ...inp, images: shuffled, usage: [...inp.usage].reverse() }))).toBe(
      JSON.stringify(plan),
    );
  });

  it('the generator really produces every kind of decision (the properties are not vacuous)', () => {
    const seen = new Set<string>();
    for (const seed of seeds) for (const d of planRetention(generate(seed)).decisions) seen.add(d.action);
    expect([...seen].sort()).toEqual(['deprecate', 'deregister', 'disable', 'keep']);
  });
});
