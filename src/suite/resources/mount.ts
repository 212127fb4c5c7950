import { shQuote } from '../quote.js';
import type { ResourceDef } from './api.js';
import { allAttrs, failure, sharedId, value } from './api.js';

const PROBE = 'mounts';

interface MountEntry {
  mountpoint: string;
  opts: string[];
  vfsOpts: string[];
  source: string;
  filesystem: string;
}

/**
 * goss `mount`: from /proc/self/mountinfo (read once); `usage` from `df -P` per mount asked.
 * `timeout` is accepted as goss has it: goss bounds its read of the mount table with it; here
 * that read is one `cat` of procfs inside the collector, under the run's own deadline.
 */
export const mount: ResourceDef = {
  type: 'mount',
  keyAttr: 'mountpoint',
  required: 'exists',
  gate: 'exists',
  attributes: [
    { key: 'exists' },
    { key: 'opts' },
    { key: 'vfs-opts' },
    { key: 'source' },
    { key: 'filesystem' },
    { key: 'usage' },
  ],
  // goss's mount timeout bounds its `df` call; mountinfo is read at once here, so it is accepted.
  options: ['timeout'],
  plan(spec, id, plan) {
    plan.shared(PROBE, `_igf ${sharedId(PROBE)} info /proc/self/mountinfo`);
    if (spec.attrs.usage !== undefined)
      plan.inline(`df -P -- ${shQuote(spec.key)} 2>/dev/null | _igb ${id} df`);
  },
  facts(spec, id, frames) {
    const keys = this.attributes.map((a) => a.key);
    const info = frames.text(sharedId(PROBE), 'info');
    if (info === undefined)
      return allAttrs(keys, failure('could not read /proc/self/mountinfo on the target'));
    const entry = parseMountinfo(info)
      .filter((m) => m.mountpoint === spec.key)
      .pop();
    if (!entry)
      return { ...allAttrs(keys, failure(`mountpoint not found: ${spec.key}`)), exists: value(false) };
    return {
      exists: value(true),
      opts: value(entry.opts),
      'vfs-opts': value(entry.vfsOpts),
      source: value(entry.source),
      filesystem: value(entry.filesystem),
      usage: usage(frames.text(id, 'df'), spec.key),
    };
  },
};

function usage(df: string | undefined, mountpoint: string) {
  // `df -P`: Filesystem 1024-blocks Used Available Capacity Mounted-on; goss reports used %.
  const f = df?.split('\n')[1]?.trim().split(/\s+/);
  const used = Number(f?.[2]);
  const avail = Number(f?.[3]);
  if (!f || Number.isNaN(used) || Number.isNaN(avail))
    return failure(`df -P ${mountpoint} failed on the target`);
  return value(used + avail === 0 ? 0 : Math.round((used * 100) / (used + avail)));
}

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** goss's splitMountInfo: commas split options except inside double quotes; no empty fields. */
function splitOpts(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    if (f.length < 10 || dash < 0) continue;
    entries.push({
      mountpoint: unescapeOctal(f[4]!),
      opts: [...new Set(splitOpts(f[5]!))],
      filesystem: f[dash + 1]!,
      source: unescapeOctal(f[dash + 2]!),
      vfsOpts: splitOpts(f[dash + 3] ?? ''),
    });
  }
  return entries;
}
