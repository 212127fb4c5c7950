import { shQuote } from './quote.js';

/**
 * Facts that many resources gather with the same tool, collected with ONE target command per
 * kind for the whole suite instead of one process per check: a 1,000-check suite of files,
 * users, groups and kernel parameters forks a handful of processes, not hundreds.
 *
 * A resource asks with `plan.batch(kind, id, item)`. The collector runs each kind's command
 * over all its items (every item through shQuote, after `--`), framed once under a batch id;
 * after parsing, `split` picks each item's share out of the batch output and the collector adds
 * it as the frame `key` under the asking resource's own id. So resources read the same
 * per-check frames whether a fact was batched or not.
 */
export type BatchKind = 'lstat' | 'passwd' | 'group' | 'sysctl';

export interface BatchRequest {
  /** Frame id of the resource that asked. */
  id: string;
  /** The file, user, group or path the resource checks. */
  item: string;
}

interface BatchDef {
  /** Frame key the resource's facts read (the same key an unbatched probe emits). */
  key: string;
  /** Shell for one chunk of items: prints the block frame `frameId out`. */
  sh(items: string[], frameId: string): string;
  /** Each item's value from the chunk's output; items left out get no frame. */
  split(output: string, items: string[]): Map<string, string>;
}

/** `stat -c` fields as file.ts reads them, then the name (last: it may contain `|`). */
export const STAT_FORMAT = '%a|%s|%u|%g|%U|%G|%F';

/** Quoted operands after `--`, so a name like `-rf` is an operand, never an option. */
function operands(items: string[]): string {
  return `-- ${items.map(shQuote).join(' ')}`;
}

/**
 * `getent DB -- NAME…` (NSS, as goss's os/user), or the flat file where getent is missing.
 * getent prints the entries it finds and skips unknown names; lines are matched back by their
 * first field, so a numeric name that getent resolves as an id is not mistaken for the user.
 */
function nss(db: 'passwd' | 'group'): BatchDef {
  return {
    key: db === 'passwd' ? 'pw' : 'gr',
    sh: (items, frameId) =>
      [
        `{ if command -v getent >/dev/null 2>&1; then getent ${db} ${operands(items)}`,
        // Names reach awk through the environment: no awk program text is built from them.
        `else _ign=${shQuote(items.join('\n'))} awk -F: 'BEGIN { n = split(ENVIRON["_ign"], a, "\\n"); for (i = 1; i <= n; i++) w[a[i]] = 1 } $1 in w' /etc/${db}; fi; } 2>/dev/null | _igb ${frameId} out`,
      ].join('\n'),
    split: (output, items) => {
      const byName = new Map<string, string[]>(items.map((n) => [n, []]));
      for (const line of output.split('\n')) {
        const colon = line.indexOf(':');
        const lines = colon > 0 ? byName.get(line.slice(0, colon)) : undefined;
        if (lines && !lines.includes(line)) lines.push(line);
      }
      // Every asked name gets a frame (empty when unknown), as the unbatched probe's block did.
      return new Map([...byName].map(([n, lines]) => [n, lines.map((l) => `${l}\n`).join('')]));
    },
  };
}

export const BATCHES: Record<BatchKind, BatchDef> = {
  /**
   * file: lstat fields of every path in one `stat`. Missing paths print nothing (the resource
   * tests existence itself, with shell builtins); lines are matched back by the name stat
   * echoes, so a path that vanished or could not be read never shifts another path's fields.
   */
  lstat: {
    key: 'stat',
    sh: (items, frameId) =>
      `stat -c ${shQuote(`${STAT_FORMAT}|%n`)} ${operands(items)} 2>/dev/null | _igb ${frameId} out`,
    split: (output, items) => {
      const wanted = new Set(items);
      const out = new Map<string, string>();
      for (const line of output.split('\n')) {
        // Seven fields without `|` (numbers, user and group names, a file type), then the name.
        const m = /^((?:[^|]*\|){6}[^|]*)\|(.*)$/.exec(line);
        if (m && wanted.has(m[2]!)) out.set(m[2]!, m[1]!);
      }
      return out;
    },
  },
  passwd: nss('passwd'),
  group: nss('group'),
  /**
   * kernel-param: every /proc/sys file in one `head`, which prints `==> PATH <==` before each
   * file it could open. /dev/null goes first so there are always two files and always headers.
   * head reads from offset 0 in one go (integer sysctls answer a read at an offset with EOF).
   * Without head, each file is read on its own.
   */
  sysctl: {
    key: 'value',
    sh: (items, frameId) =>
      [
        `if command -v head >/dev/null 2>&1; then head -c "$_igmax" -- /dev/null ${items.map(shQuote).join(' ')} 2>/dev/null | _igb ${frameId} out`,
        `else for _igx in ${items.map(shQuote).join(' ')}; do if [ -r "$_igx" ]; then printf '==> %s <==\\n' "$_igx"; cat -- "$_igx"; printf '\\n'; fi; done 2>/dev/null | _igb ${frameId} out; fi`,
      ].join('\n'),
    split: (output, items) => {
      const wanted = new Set(items);
      const out = new Map<string, string>();
      // Each header starts a section that runs to the blank line head puts before the next
      // header. /proc/sys content never looks like a header; /dev/null's section is dropped.
      const headers = [...output.matchAll(/^==> (.*) <==\n/gm)];
      headers.forEach((h, i) => {
        if (!wanted.has(h[1]!)) return;
        const start = h.index + h[0].length;
        const next = headers[i + 1];
        out.set(h[1]!, output.slice(start, next ? Math.max(start, next.index - 1) : output.length));
      });
      return out;
    },
  },
};

/** Most bytes of quoted operands per command: far below any ARG_MAX, large enough to be rare. */
export const MAX_BATCH_BYTES = 64 << 10;

/** Items in chunks of at most MAX_BATCH_BYTES of operands (always at least one item each). */
export function chunks(items: string[]): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(item) + 3;
    if (current.length > 0 && bytes + size > MAX_BATCH_BYTES) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
