/**
 * The unified diff goss prints under a failed string comparison (go-difflib, a port of Python's
 * difflib): `--- test` / `+++ actual`, one line of context, hunks from SequenceMatcher's
 * grouped opcodes. Suites compare short texts, so the quadratic longest-match search is fine;
 * difflib's "popular line" heuristic only applies from 200 lines, where this stays exact but
 * may group differently.
 */

type Op = ['equal' | 'replace' | 'delete' | 'insert', number, number, number, number];

/** go-difflib's SplitLines: keep each "\n", and end the last line with one more. */
function splitLines(s: string): string[] {
  // strings.SplitAfter: a text ending in "\n" yields a last, empty piece (JS split would not).
  const lines = s.split('\n').map((l, i, all) => (i < all.length - 1 ? `${l}\n` : l));
  lines[lines.length - 1] += '\n';
  return lines;
}

function longestMatch(a: string[], b: string[], alo: number, ahi: number, blo: number, bhi: number) {
  let best = { i: alo, j: blo, size: 0 };
  let prev = new Map<number, number>();
  for (let i = alo; i < ahi; i++) {
    const cur = new Map<number, number>();
    for (let j = blo; j < bhi; j++) {
      if (a[i] !== b[j]) continue;
      const k = (prev.get(j - 1) ?? 0) + 1;
      cur.set(j, k);
      if (k > best.size) best = { i: i - k + 1, j: j - k + 1, size: k };
    }
    prev = cur;
  }
  return best;
}

function matchingBlocks(a: string[], b: string[]): [number, number, number][] {
  const queue: [number, number, number, number][] = [[0, a.length, 0, b.length]];
  const blocks: [number, number, number][] = [];
  while (queue.length > 0) {
    const [alo, ahi, blo, bhi] = queue.pop()!;
    const m = longestMatch(a, b, alo, ahi, blo, bhi);
    if (m.size === 0) continue;
    blocks.push([m.i, m.j, m.size]);
    if (alo < m.i && blo < m.j) queue.push([alo, m.i, blo, m.j]);
    if (m.i + m.size < ahi && m.j + m.size < bhi) queue.push([m.i + m.size, ahi, m.j + m.size, bhi]);
  }
  blocks.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const merged: [number, number, number][] = [];
  for (const blk of blocks) {
    const last = merged.at(-1);
    if (last && last[0] + last[2] === blk[0] && last[1] + last[2] === blk[1]) last[2] += blk[2];
    else merged.push([...blk]);
  }
  merged.push([a.length, b.length, 0]);
  return merged;
}

function opcodes(a: string[], b: string[]): Op[] {
  let i = 0;
  let j = 0;
  const out: Op[] = [];
  for (const [ai, bj, size] of matchingBlocks(a, b)) {
    const tag = i < ai && j < bj ? 'replace' : i < ai ? 'delete' : j < bj ? 'insert' : null;
    if (tag) out.push([tag, i, ai, j, bj]);
    i = ai + size;
    j = bj + size;
    if (size > 0) out.push(['equal', ai, i, bj, j]);
  }
  return out;
}

function groupedOpcodes(a: string[], b: string[], n: number): Op[][] {
  let codes = opcodes(a, b);
  if (codes.length === 0) codes = [['equal', 0, 1, 0, 1]];
  const first = codes[0]!;
  if (first[0] === 'equal')
    codes[0] = [
      'equal',
      Math.max(first[1], first[2] - n),
      first[2],
      Math.max(first[3], first[4] - n),
      first[4],
    ];
  const last = codes.at(-1)!;
  if (last[0] === 'equal')
    codes[codes.length - 1] = [
      'equal',
      last[1],
      Math.min(last[2], last[1] + n),
      last[3],
      Math.min(last[4], last[3] + n),
    ];
  const groups: Op[][] = [];
  let group: Op[] = [];
  for (const code of codes) {
    let [tag, i1, i2, j1, j2] = code;
    if (tag === 'equal' && i2 - i1 > 2 * n) {
      group.push([tag, i1, Math.min(i2, i1 + n), j1, Math.min(j2, j1 + n)]);
      groups.push(group);
      group = [];
      i1 = Math.max(i1, i2 - n);
      j1 = Math.max(j1, j2 - n);
    }
    group.push([tag, i1, i2, j1, j2]);
  }
  if (group.length > 0 && !(group.length === 1 && group[0]![0] === 'equal')) groups.push(group);
  return groups;
}

function range(start: number, stop: number): string {
  const length = stop - start;
  if (length === 1) return String(start + 1);
  return `${length === 0 ? start : start + 1},${length}`;
}

/** goss's maybeAddDiff body: the unified diff of `want` (test) against `got` (actual). */
export function unifiedDiff(want: string, got: string): string {
  const a = splitLines(want);
  const b = splitLines(got);
  let out = '';
  for (const group of groupedOpcodes(a, b, 1)) {
    if (out === '') out = '--- test\n+++ actual\n';
    const first = group[0]!;
    const last = group.at(-1)!;
    out += `@@ -${range(first[1], last[2])} +${range(first[3], last[4])} @@\n`;
    for (const [tag, i1, i2, j1, j2] of group) {
      if (tag === 'equal') for (const l of a.slice(i1, i2)) out += ` ${l}`;
      if (tag === 'replace' || tag === 'delete') for (const l of a.slice(i1, i2)) out += `-${l}`;
      if (tag === 'replace' || tag === 'insert') for (const l of b.slice(j1, j2)) out += `+${l}`;
    }
  }
  return out;
}
