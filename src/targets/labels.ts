import { randomBytes } from 'node:crypto';

/**
 * Everything imagegate creates to test an artifact carries these labels (containers) or tags
 * (EC2 instances, key pairs, security groups), so `imagegate sweep` can find and remove what a
 * crashed or killed run left behind, and never touch anything else.
 */
export const EPHEMERAL = 'imagegate:ephemeral';
export const RUN_ID = 'imagegate:run-id';
export const CREATED_AT = 'imagegate:created-at';
export const TTL = 'imagegate:ttl';
export const ARTIFACT = 'imagegate:artifact';

/** Default time to live: a test that is still running after this is a leak. */
export const DEFAULT_TTL_SECONDS = 2 * 3600;

export function newRunId(): string {
  return `${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(4).toString('hex')}`;
}

export interface EphemeralMark {
  runId: string;
  createdAt: Date;
  ttlSeconds: number;
  artifact?: string;
}

export function ephemeralLabels(m: EphemeralMark): Record<string, string> {
  return {
    [EPHEMERAL]: 'true',
    [RUN_ID]: m.runId,
    [CREATED_AT]: m.createdAt.toISOString(),
    [TTL]: String(m.ttlSeconds),
    ...(m.artifact ? { [ARTIFACT]: m.artifact } : {}),
  };
}

/** The same marks as EC2 tags. */
export function ephemeralTags(m: EphemeralMark): { Key: string; Value: string }[] {
  return Object.entries(ephemeralLabels(m)).map(([Key, Value]) => ({ Key, Value }));
}

export function tagMap(tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

export type Expiry =
  | { expired: true; ageSeconds: number }
  | { expired: false; ageSeconds: number; reason: string };

/**
 * Is a labelled resource due for removal? Past its own TTL, or older than `olderThanSeconds`
 * when the caller overrides. A resource without our ephemeral label is never due; one whose
 * creation time cannot be read is due only when the caller asked for age 0 (sweep everything).
 */
export function expiry(labels: Record<string, string>, now: Date, olderThanSeconds?: number): Expiry {
  if (labels[EPHEMERAL] !== 'true')
    return { expired: false, ageSeconds: 0, reason: 'not labelled ephemeral' };
  const created = Date.parse(labels[CREATED_AT] ?? '');
  if (Number.isNaN(created)) {
    return olderThanSeconds === 0
      ? { expired: true, ageSeconds: 0 }
      : { expired: false, ageSeconds: 0, reason: `unreadable ${CREATED_AT}` };
  }
  const ageSeconds = Math.floor((now.getTime() - created) / 1000);
  const ttl = olderThanSeconds ?? Number(labels[TTL] ?? DEFAULT_TTL_SECONDS);
  const limit = Number.isFinite(ttl) ? ttl : DEFAULT_TTL_SECONDS;
  return ageSeconds >= limit
    ? { expired: true, ageSeconds }
    : { expired: false, ageSeconds, reason: `age ${ageSeconds}s is within ttl ${limit}s` };
}
