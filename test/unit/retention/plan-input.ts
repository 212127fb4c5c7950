import type { RetentionConfig } from '../../../src/config/types.js';
import type { ImageRecord, LaunchPermissions, Scope } from '../../../src/retention/model.js';
import { type PlanInput, planRetention } from '../../../src/retention/plan.js';
import { normalizeRules } from '../../../src/retention/rules.js';

export const NOW = new Date('2026-11-28T08:00:00.000Z');
export const DAY = 86_400_000;
export const A = '111111111111';
export const B = '222222222222';
export const REGION = 'eu-west-1';

let seq = 0;
/** An image `days` old in family `family`, owned by A in eu-west-1 unless overridden. */
export function img(days: number, family: string, over: Partial<ImageRecord> = {}): ImageRecord {
  seq++;
  const id = over.id ?? `ami-${String(seq).padStart(17, '0')}`;
  return {
    id,
    account: A,
    region: REGION,
    name: `${family}-${seq}`,
    creationDate: new Date(NOW.getTime() - days * DAY).toISOString(),
    state: 'available',
    public: false,
    deregistrationProtected: false,
    tags: { 'imagegate:family': family },
    snapshotIds: [`snap-${id.slice(4)}`],
    ...over,
  };
}

export const noShares: LaunchPermissions = {
  userIds: [],
  groups: [],
  organizationArns: [],
  organizationalUnitArns: [],
};

/** Plan input where every image's launch permissions are known and unshared. */
export function input(
  images: ImageRecord[],
  cfg: RetentionConfig = {},
  over: Partial<PlanInput> = {},
): PlanInput {
  const { rules, problems } = normalizeRules(cfg);
  if (problems.length) throw new Error(problems.join('; '));
  const scopes: Scope[] = [];
  for (const i of images)
    if (!scopes.some((s) => s.account === i.account && s.region === i.region)) scopes.push(i);
  return {
    images,
    usage: [],
    launchPermissions: new Map(images.map((i) => [i.id, noShares])),
    failures: [],
    scopes: scopes.map((s) => ({ account: s.account, region: s.region })),
    organizationWide: false,
    rules,
    now: NOW,
    ...over,
  };
}

export function actions(images: ImageRecord[], cfg: RetentionConfig = {}, over: Partial<PlanInput> = {}) {
  const plan = planRetention(input(images, cfg, over));
  return new Map(plan.decisions.map((d) => [d.image.id, d]));
}
