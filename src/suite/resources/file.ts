import { STAT_FORMAT } from '../batch.js';
import { type LinesFact, linesFact } from '../matchers/api.js';
import { shQuote } from '../quote.js';
import type { AttrFact, ResourceDef } from './api.js';
import { allAttrs, failure, oversized, value } from './api.js';

/** `stat -c %F` wording → goss's filetype names. */
const FILETYPES: Record<string, string> = {
  'regular file': 'file',
  'regular empty file': 'file',
  directory: 'directory',
  'symbolic link': 'symlink',
  fifo: 'pipe',
  socket: 'socket',
  'character special file': 'character-device',
  'block special file': 'block-device',
};

const HASHES = { md5: 'md5sum', sha256: 'sha256sum', sha512: 'sha512sum' } as const;

/**
 * goss `file`. Like goss, mode/owner/size/filetype describe the path itself (lstat: a symlink
 * is `symlink`, mode 0777), while contents and hashes read through it.
 */
export const file: ResourceDef = {
  type: 'file',
  keyAttr: 'path',
  required: 'exists',
  gate: 'exists',
  attributes: [
    { key: 'exists' },
    { key: 'mode' },
    { key: 'owner' },
    { key: 'uid' },
    { key: 'group' },
    { key: 'gid' },
    { key: 'linked-to', property: 'linkedto' },
    { key: 'filetype' },
    { key: 'contains', emptyListUnset: true },
    { key: 'contents', emptyListUnset: true },
    { key: 'size' },
    { key: 'md5' },
    { key: 'sha256' },
    { key: 'sha512' },
  ],
  options: [],
  plan(spec, id, plan) {
    const a = spec.attrs;
    const lines = [...pathLines(spec.key, id), 'if [ -e "$_igp" ] || [ -h "$_igp" ]; then'];
    lines.push(`  _igr ${id} exists true`);
    // One `stat` for every file of the suite; a `~` path is only known on the target, and stat
    // prints names raw, so a name with a newline could not be matched back to its line.
    if (spec.key.startsWith('~') || spec.key.includes('\n'))
      lines.push(`  _igr ${id} stat "$(stat -c '${STAT_FORMAT}' -- "$_igp" 2>/dev/null)"`);
    else plan.batch('lstat', id, spec.key);
    if (a['linked-to'] !== undefined) {
      lines.push(`  [ -h "$_igp" ] && readlink -- "$_igp" 2>/dev/null | _igb ${id} link`);
    }
    if (a.contents !== undefined || a.contains !== undefined) {
      lines.push(`  if [ -r "$_igp" ] && [ ! -d "$_igp" ]; then $_igcap <"$_igp" | _igb ${id} contents; fi`);
    }
    for (const [attr, tool] of Object.entries(HASHES)) {
      if (a[attr] === undefined) continue;
      lines.push(`  _igr ${id} ${attr} "$(${tool} <"$_igp" 2>/dev/null)"`);
    }
    lines.push('else', `  _igr ${id} exists false`, 'fi');
    plan.inline(lines.join('\n'));
  },
  facts(spec, id, frames) {
    const keys = this.attributes.map((x) => x.key);
    const unknownUser = frames.text(id, 'nohome');
    if (unknownUser !== undefined) return allAttrs(keys, failure(`user: unknown user ${unknownUser}`));
    const exists = frames.text(id, 'exists');
    if (exists === undefined)
      return allAttrs(keys, failure('not collected: the collector script stopped early'));
    const missing = failure(`stat ${spec.key}: no such file or directory`);
    const out: Record<string, AttrFact> = { ...allAttrs(keys, missing), exists: value(exists === 'true') };
    if (exists !== 'true') return out;
    const stat = (frames.text(id, 'stat') ?? '').split('|');
    if (stat.length < 7)
      return {
        ...allAttrs(keys, failure(`stat ${spec.key}: permission denied or stat missing`)),
        exists: value(true),
      };
    const [mode, size, uid, gid, owner, group, kind] = stat as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    out.mode = value(mode.padStart(4, '0'));
    out.size = value(Number(size));
    out.uid = value(Number(uid));
    out.gid = value(Number(gid));
    out.owner = value(owner);
    out.group = value(group);
    out.filetype = value(FILETYPES[kind] ?? kind);
    const link = frames.text(id, 'link');
    out['linked-to'] =
      link === undefined ? failure(`readlink ${spec.key}: not a symlink`) : value(link.replace(/\n$/, ''));
    const contents = frames.text(id, 'contents');
    const cut = oversized(`contents of ${spec.key}`, frames.bytes(id, 'contents'));
    if (cut) {
      out.contents = out.contains = cut;
    } else if (contents !== undefined) {
      const fact: LinesFact = linesFact(contents, '*os.File');
      out.contents = value(fact);
      out.contains = value(fact);
    } else {
      out.contents = out.contains = failure(`open ${spec.key}: not a readable regular file`);
    }
    for (const attr of Object.keys(HASHES)) {
      const sum = frames.text(id, attr)?.split(/\s/)[0];
      out[attr] = sum ? value(sum) : failure(`${attr} of ${spec.key}: could not read the file`);
    }
    return out;
  },
};

/**
 * Set `$_igp` to the path. Like goss, `~` is the home directory of the user the checks run as
 * and `~name` that of user name, both from the passwd database (not $HOME); an unknown user
 * makes every attribute an error.
 */
function pathLines(path: string, id: string): string[] {
  const m = /^~([^/]*)(.*)$/s.exec(path);
  if (!m) return [`_igp=${shQuote(path)}`];
  const [, user, rest] = m as unknown as [string, string, string];
  const field = user === '' ? '$3' : '$1';
  const name = user === '' ? '"$(id -u)"' : shQuote(user);
  return [
    `_igh=$(_igu=${name} awk -F: '${field} == ENVIRON["_igu"] { print $6; exit }' /etc/passwd 2>/dev/null)`,
    `_igp="$_igh"${shQuote(rest)}`,
    `if [ -z "$_igh" ]; then _igr ${id} nohome ${name}; _igp=/nonexistent/home/; fi`,
  ];
}
