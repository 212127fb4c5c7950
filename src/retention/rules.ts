import type { RetentionConfig } from '../config/types.js';
import type { ImageRecord, Reason } from './model.js';

/** Retention rules with every default filled in; what the planner reads. */
export interface RetentionRules {
  select: { names: RegExp[]; excludeNames: RegExp[]; tags: Array<{ key: string; value: RegExp }> };
  group: { tag?: string; namePattern?: RegExp };
  keepNewest: number;
  keepYoungerThanDays: number;
  retainAtLeast: number;
  protect: {
    stageTags: Record<string, string[]>;
    pinTags: string[];
    public: boolean;
    deregistrationProtected: boolean;
    awsBackup: boolean;
  };
  sharedOutsideScope: 'keep' | 'retire';
  stages: { deprecate: boolean; disableAfterDays?: number; deregisterAfterDays: number };
  maxDeletions?: number;
  maxDeletionsPercent?: number;
}

export const DEFAULT_GROUP_TAG = 'imagegate:family';

/**
 * Fill defaults and check what the schema cannot express. Defaults lean safe: keep 3 newest,
 * keep 14 days, floor 3, every protection on, staged retirement over 30 days.
 * Returns problems as `key: message` strings rather than throwing, so the caller can point at
 * the config file.
 */
export function normalizeRules(cfg: RetentionConfig = {}): { rules: RetentionRules; problems: string[] } {
  const problems: string[] = [];
  const regex = (key: string, source: string): RegExp | undefined => {
    try {
      return new RegExp(source);
    } catch (err) {
      problems.push(
        `${key}: invalid regular expression ${JSON.stringify(source)}: ${(err as Error).message}`,
      );
      return undefined;
    }
  };
  const namePattern = cfg.group?.namePattern ? regex('group.namePattern', cfg.group.namePattern) : undefined;
  const groupTag = cfg.group?.tag ?? (cfg.group?.namePattern ? undefined : DEFAULT_GROUP_TAG);
  const stages = {
    deprecate: cfg.stages?.deprecate ?? true,
    deregisterAfterDays: cfg.stages?.deregisterAfterDays ?? 30,
    ...(cfg.stages?.disableAfterDays !== undefined ? { disableAfterDays: cfg.stages.disableAfterDays } : {}),
  };
  if (stages.disableAfterDays !== undefined && stages.disableAfterDays > stages.deregisterAfterDays) {
    problems.push('stages.disableAfterDays: must not be later than stages.deregisterAfterDays');
  }
  const rules: RetentionRules = {
    select: {
      names: (cfg.select?.names ?? []).map(globToRegExp),
      excludeNames: (cfg.select?.excludeNames ?? []).map(globToRegExp),
      tags: Object.entries(cfg.select?.tags ?? {}).map(([key, v]) => ({ key, value: globToRegExp(v) })),
    },
    group: { ...(groupTag ? { tag: groupTag } : {}), ...(namePattern ? { namePattern } : {}) },
    keepNewest: cfg.keepNewest ?? 3,
    keepYoungerThanDays: cfg.keepYoungerThanDays ?? 14,
    retainAtLeast: cfg.retainAtLeast ?? 3,
    protect: {
      // Sorted once here so every image reports its protections in the same order.
      stageTags: sortedKeys(cfg.protect?.stageTags ?? { Stage: ['prod', 'production'] }),
      pinTags: [...(cfg.protect?.pinTags ?? ['imagegate:pin'])].sort(),
      public: cfg.protect?.public ?? true,
      deregistrationProtected: cfg.protect?.deregistrationProtected ?? true,
      awsBackup: cfg.protect?.awsBackup ?? true,
    },
    sharedOutsideScope: cfg.sharedOutsideScope ?? 'keep',
    stages,
    ...(cfg.maxDeletions !== undefined ? { maxDeletions: cfg.maxDeletions } : {}),
    ...(cfg.maxDeletionsPercent !== undefined ? { maxDeletionsPercent: cfg.maxDeletionsPercent } : {}),
  };
  return { rules, problems };
}

function sortedKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k] as T]),
  );
}

/** Shell-style glob (`*`, `?`) over the whole string; AMI names may contain `/`, so `*` spans it. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
  return new RegExp(`^${body}$`, 's');
}

/** Owner is always self (inventory asks for `Owners: ['self']`); names and tags narrow it. */
export function isSelected(rules: RetentionRules, image: ImageRecord): boolean {
  const { names, excludeNames, tags } = rules.select;
  if (names.length > 0 && !names.some((r) => r.test(image.name))) return false;
  if (excludeNames.some((r) => r.test(image.name))) return false;
  return tags.every(({ key, value }) => {
    const v = image.tags[key];
    return v !== undefined && value.test(v);
  });
}

/** Family key: the tag when present, else the name pattern's first capture (or whole match). */
export function groupOf(rules: RetentionRules, image: ImageRecord): string | undefined {
  if (rules.group.tag) {
    const v = image.tags[rules.group.tag];
    if (v) return v;
  }
  if (rules.group.namePattern) {
    const m = rules.group.namePattern.exec(image.name);
    if (m) return m.groups?.group ?? m[1] ?? m[0];
  }
  return undefined;
}

/** Every protection that applies, in a fixed order. */
export function protections(rules: RetentionRules, image: ImageRecord): Reason[] {
  const out: Reason[] = [];
  const p = rules.protect;
  for (const key of Object.keys(p.stageTags)) {
    const v = image.tags[key];
    const values = p.stageTags[key] ?? [];
    if (v !== undefined && (values.length === 0 || values.includes(v))) {
      out.push({ code: 'protected', detail: `stage tag ${key}=${v}` });
    }
  }
  for (const key of p.pinTags) {
    const v = image.tags[key];
    if (v !== undefined && v.toLowerCase() !== 'false')
      out.push({ code: 'protected', detail: `pinned by tag ${key}` });
  }
  if (p.deregistrationProtected && image.deregistrationProtected) {
    out.push({ code: 'protected', detail: 'deregistration protection is enabled' });
  }
  if (p.public && image.public) out.push({ code: 'protected', detail: 'public image' });
  if (p.awsBackup && isAwsBackup(image)) out.push({ code: 'protected', detail: 'created by AWS Backup' });
  return out;
}

/** AWS Backup tags the AMIs it creates with `aws:backup:source-resource` and names them `AwsBackup_…`. */
function isAwsBackup(image: ImageRecord): boolean {
  return image.tags['aws:backup:source-resource'] !== undefined || image.name.startsWith('AwsBackup_');
}
