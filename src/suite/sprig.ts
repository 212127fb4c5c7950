import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { goJson } from './go-json.js';
import { goValue } from './go-printf.js';
import { goRegex } from './matchers/regex.js';

/**
 * The Sprig v3 text functions goss registers (sprig.TxtFuncMap) that are pure: strings, lists,
 * dicts, maths, encodings, paths, types. Each takes the already-evaluated arguments and throws
 * a plain Error with a Go-like reason; the template engine adds file and line. Functions that
 * read the environment (`env`, `expandenv`) live in go-template.ts, which tracks host values.
 */
export type SprigFn = (args: unknown[]) => unknown;

type Dict = Record<string, unknown>;

function s(v: unknown): string {
  // Sprig's strval: strings as they are, everything else as %v.
  return typeof v === 'string' ? v : goValue(v);
}

function n(v: unknown): number {
  // Sprig's toInt64/toFloat64 (cast.ToInt64E): numbers, numeric strings, booleans; else 0.
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return 0;
}

function int(v: unknown): number {
  return Math.trunc(n(v));
}

function list(v: unknown, fn: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === null || v === undefined) return [];
  throw new Error(`${fn}: cannot find a list in ${goValue(v)}`);
}

function dict(v: unknown, fn: string): Dict {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Dict;
  throw new Error(`${fn}: expected a dict, got ${goValue(v)}`);
}

/** Go's reflect.DeepEqual on decoded YAML values. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (typeof a === 'object' && typeof b === 'object' && a && b && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return deepEqual(ka, kb) && ka.every((k) => deepEqual((a as Dict)[k], (b as Dict)[k]));
  }
  return false;
}

/** Sprig's empty: the zero value of its type. */
export function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

function toJson(v: unknown, indent: string, raw: boolean): string {
  return goJson(v, { indent, escapeHtml: !raw });
}

const words = (x: string) => x.split(/[\s_-]+|(?<=[a-z0-9])(?=[A-Z])/).filter((w) => w !== '');

export const SPRIG: Record<string, SprigFn> = {
  // strings
  trimAll: ([cut, x]) => {
    const c = [...s(cut)];
    let t = s(x);
    while (t && c.includes(t[0]!)) t = t.slice(1);
    while (t && c.includes(t[t.length - 1]!)) t = t.slice(0, -1);
    return t;
  },
  trimPrefix: ([p, x]) => (s(x).startsWith(s(p)) ? s(x).slice(s(p).length) : s(x)),
  trimSuffix: ([p, x]) => (s(p) !== '' && s(x).endsWith(s(p)) ? s(x).slice(0, -s(p).length) : s(x)),
  nospace: ([x]) => s(x).replace(/\s+/g, ''),
  title: ([x]) =>
    s(x).replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase()),
  untitle: ([x]) => s(x).replace(/(^|\s)(\p{L})/gu, (_m, a: string, b: string) => a + b.toLowerCase()),
  swapcase: ([x]) =>
    [...s(x)].map((c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase())).join(''),
  substr: ([start, end, x]) => {
    const t = s(x);
    const a = int(start);
    const b = int(end);
    if (a < 0) return t.slice(0, b);
    if (b < 0 || b > t.length) return t.slice(a);
    return t.slice(a, b);
  },
  trunc: ([c, x]) => {
    const t = s(x);
    const k = int(c);
    if (k < 0 && t.length + k > 0) return t.slice(t.length + k);
    if (k >= 0 && t.length > k) return t.slice(0, k);
    return t;
  },
  abbrev: ([w, x]) => {
    const t = s(x);
    const k = int(w);
    return k < 4 || t.length <= k ? t : `${t.slice(0, k - 3)}...`;
  },
  initials: ([x]) =>
    s(x)
      .split(/\s+/)
      .filter((w) => w)
      .map((w) => w[0])
      .join(''),
  indent: ([k, x]) => {
    const p = ' '.repeat(int(k));
    return p + s(x).replaceAll('\n', `\n${p}`);
  },
  nindent: ([k, x]) => {
    const p = ' '.repeat(int(k));
    return `\n${p}${s(x).replaceAll('\n', `\n${p}`)}`;
  },
  squote: (a) =>
    a
      .filter((x) => x !== null && x !== undefined)
      .map((x) => `'${s(x)}'`)
      .join(' '),
  cat: (a) =>
    a
      .filter((x) => x !== null && x !== undefined)
      .map(s)
      .join(' '),
  plural: ([one, many, c]) => (int(c) === 1 ? s(one) : s(many)),
  snakecase: ([x]) =>
    words(s(x))
      .map((w) => w.toLowerCase())
      .join('_'),
  kebabcase: ([x]) =>
    words(s(x))
      .map((w) => w.toLowerCase())
      .join('-'),
  camelcase: ([x]) =>
    words(s(x))
      .map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase())
      .join(''),
  wrap: ([w, x]) => {
    const width = int(w);
    const out: string[] = [];
    let line = '';
    for (const word of s(x)
      .split(/\s+/)
      .filter((t) => t)) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    if (line) out.push(line);
    return out.join('\n');
  },
  toString: (a: unknown[]) => s(a[0]),
  toStrings: ([x]) => list(x, 'toStrings').map(s),
  splitn: ([sep, k, x]) => {
    const parts = s(x).split(s(sep));
    const lim = int(k);
    const kept =
      lim > 0 && parts.length > lim ? [...parts.slice(0, lim - 1), parts.slice(lim - 1).join(s(sep))] : parts;
    return Object.fromEntries(kept.map((p, i) => [`_${i}`, p]));
  },
  regexFind: ([re, x]) => goRegex(s(re)).submatch(s(x))?.groups[0] ?? '',
  regexFindAll: ([re, x, k]) => {
    const r = goRegex(s(re));
    const out: string[] = [];
    let rest = s(x);
    const lim = int(k);
    while (lim < 0 || out.length < lim) {
      const m = r.submatch(rest);
      if (!m) break;
      const hit = m.groups[0]!;
      out.push(hit);
      const at = rest.indexOf(hit);
      rest = rest.slice(at + Math.max(hit.length, 1));
      if (rest === '' && hit === '') break;
    }
    return out;
  },
  regexSplit: ([re, x, k]) => {
    const r = goRegex(s(re));
    const out: string[] = [];
    let rest = s(x);
    const lim = int(k);
    while (lim < 0 || out.length < lim - 1) {
      const m = r.submatch(rest);
      if (!m || m.groups[0] === '') break;
      const at = rest.indexOf(m.groups[0]!);
      out.push(rest.slice(0, at));
      rest = rest.slice(at + m.groups[0]!.length);
    }
    out.push(rest);
    return out;
  },
  sha1sum: ([x]) => createHash('sha1').update(s(x)).digest('hex'),
  sha256sum: ([x]) => createHash('sha256').update(s(x)).digest('hex'),
  b64enc: ([x]) => Buffer.from(s(x)).toString('base64'),
  b64dec: ([x]) => Buffer.from(s(x), 'base64').toString('utf8'),
  // numbers (Sprig works in int64 unless the name says float)
  add: (a) => a.reduce<number>((t, x) => t + int(x), 0),
  add1: ([x]) => int(x) + 1,
  sub: ([a, b]) => int(a) - int(b),
  mul: (a) => a.reduce<number>((t, x) => t * int(x), 1),
  div: ([a, b]) => {
    if (int(b) === 0) throw new Error('div: integer divide by zero');
    return Math.trunc(int(a) / int(b));
  },
  mod: ([a, b]) => {
    if (int(b) === 0) throw new Error('mod: integer divide by zero');
    return int(a) % int(b);
  },
  max: (a) => Math.max(...a.map(int)),
  min: (a) => Math.min(...a.map(int)),
  floor: ([x]) => Math.floor(n(x)),
  ceil: ([x]) => Math.ceil(n(x)),
  round: ([x, p]) => {
    const f = 10 ** int(p);
    return Math.round(n(x) * f) / f;
  },
  int: ([x]) => int(x),
  int64: ([x]) => int(x),
  float64: ([x]) => n(x),
  atoi: ([x]) => {
    const t = s(x);
    return /^[+-]?\d+$/.test(t) ? Number(t) : 0;
  },
  until: ([k]) => Array.from({ length: Math.max(0, int(k)) }, (_, i) => i),
  untilStep: ([start, stop, step]) => {
    const out: number[] = [];
    const st = int(step);
    if (st === 0) return out;
    for (let i = int(start); st > 0 ? i < int(stop) : i > int(stop); i += st) out.push(i);
    return out;
  },
  seq: (a) => {
    const [start, step, end] =
      a.length === 1
        ? [1, 1, int(a[0])]
        : a.length === 2
          ? [int(a[0]), 0, int(a[1])]
          : [int(a[0]), int(a[1]), int(a[2])];
    const st = step || (end >= start ? 1 : -1);
    const out: number[] = [];
    for (let i = start; st > 0 ? i <= end : i >= end; i += st) out.push(i);
    return out.join(' ');
  },
  // lists
  first: ([l]) => list(l, 'first')[0] ?? null,
  last: ([l]) => list(l, 'last').at(-1) ?? null,
  rest: ([l]) => list(l, 'rest').slice(1),
  initial: ([l]) => list(l, 'initial').slice(0, -1),
  append: ([l, v]) => [...list(l, 'append'), v],
  push: ([l, v]) => [...list(l, 'push'), v],
  prepend: ([l, v]) => [v, ...list(l, 'prepend')],
  concat: (a) => a.flatMap((l) => list(l, 'concat')),
  reverse: ([l]) => [...list(l, 'reverse')].reverse(),
  uniq: ([l]) => list(l, 'uniq').filter((x, i, all) => all.findIndex((y) => deepEqual(x, y)) === i),
  without: ([l, ...drop]) => list(l, 'without').filter((x) => !drop.some((d) => deepEqual(x, d))),
  has: ([needle, l]) => list(l, 'has').some((x) => deepEqual(x, needle)),
  compact: ([l]) => list(l, 'compact').filter((x) => !isEmpty(x)),
  slice: ([l, ...ix]) => {
    const a = list(l, 'slice');
    return ix.length === 0 ? [...a] : a.slice(int(ix[0]), ix.length > 1 ? int(ix[1]) : undefined);
  },
  sortAlpha: ([l]) => list(l, 'sortAlpha').map(s).sort(),
  chunk: ([k, l]) => {
    const a = list(l, 'chunk');
    const size = Math.max(1, int(k));
    const out: unknown[][] = [];
    for (let i = 0; i < a.length; i += size) out.push(a.slice(i, i + size));
    return out;
  },
  // dicts
  dict: (a) => {
    const out: Dict = {};
    for (let i = 0; i < a.length; i += 2) out[s(a[i])] = i + 1 < a.length ? a[i + 1] : '';
    return out;
  },
  get: ([d, k]) => {
    const m = dict(d, 'get');
    return Object.hasOwn(m, s(k)) ? m[s(k)] : '';
  },
  set: ([d, k, v]) => {
    const m = dict(d, 'set');
    m[s(k)] = v;
    return m;
  },
  unset: ([d, k]) => {
    const m = dict(d, 'unset');
    delete m[s(k)];
    return m;
  },
  hasKey: ([d, k]) => Object.hasOwn(dict(d, 'hasKey'), s(k)),
  keys: (a) => a.flatMap((d) => Object.keys(dict(d, 'keys'))),
  values: ([d]) => Object.values(dict(d, 'values')),
  pluck: ([k, ...ds]) =>
    ds
      .map((d) => dict(d, 'pluck'))
      .filter((d) => Object.hasOwn(d, s(k)))
      .map((d) => d[s(k)]),
  pick: ([d, ...ks]) => {
    const m = dict(d, 'pick');
    return Object.fromEntries(
      ks
        .map(s)
        .filter((k) => Object.hasOwn(m, k))
        .map((k) => [k, m[k]]),
    );
  },
  omit: ([d, ...ks]) => {
    const drop = new Set(ks.map(s));
    return Object.fromEntries(Object.entries(dict(d, 'omit')).filter(([k]) => !drop.has(k)));
  },
  merge: ([dst, ...srcs]) => {
    const out = dict(dst, 'merge');
    for (const src of srcs)
      for (const [k, v] of Object.entries(dict(src, 'merge'))) if (!(k in out)) out[k] = v;
    return out;
  },
  mergeOverwrite: ([dst, ...srcs]) => {
    const out = dict(dst, 'mergeOverwrite');
    for (const src of srcs) Object.assign(out, dict(src, 'mergeOverwrite'));
    return out;
  },
  dig: (a) => {
    const d = a.at(-1);
    const fallback = a.at(-2);
    let cur: unknown = d;
    for (const k of a.slice(0, -2)) {
      if (!cur || typeof cur !== 'object' || !Object.hasOwn(cur, s(k))) return fallback;
      cur = (cur as Dict)[s(k)];
    }
    return cur;
  },
  deepCopy: ([x]) => structuredClone(x),
  // logic and types
  empty: ([x]) => isEmpty(x),
  coalesce: (a) => a.find((x) => !isEmpty(x)) ?? null,
  all: (a) => a.every((x) => !isEmpty(x)),
  any: (a) => a.some((x) => !isEmpty(x)),
  ternary: ([t, f, c]) => (c === true ? t : f),
  deepEqual: ([a, b]) => deepEqual(a, b),
  typeOf: ([x]) => (x === null ? '<nil>' : goTypeOf(x)),
  kindOf: ([x]) => goKindOf(x),
  kindIs: ([k, x]) => goKindOf(x) === s(k),
  typeIs: ([t, x]) => goTypeOf(x) === s(t),
  fail: ([msg]) => {
    throw new Error(s(msg));
  },
  // encodings
  toJson: ([x]) => toJson(x, '', false),
  toPrettyJson: ([x]) => toJson(x, '  ', false),
  toRawJson: ([x]) => toJson(x, '', true),
  fromJson: ([x]) => {
    try {
      return JSON.parse(s(x)) as unknown;
    } catch {
      return {};
    }
  },
  // paths
  base: ([p]) => posix.basename(s(p)) || (s(p) === '' ? '.' : '/'),
  dir: ([p]) => posix.dirname(s(p)),
  ext: ([p]) => posix.extname(s(p)),
  clean: ([p]) => (s(p) === '' ? '.' : posix.normalize(s(p)).replace(/(.)\/$/, '$1')),
  isAbs: ([p]) => posix.isAbsolute(s(p)),
};

function goTypeOf(x: unknown): string {
  if (typeof x === 'string') return 'string';
  if (typeof x === 'number') return Number.isInteger(x) ? 'int' : 'float64';
  if (typeof x === 'boolean') return 'bool';
  if (Array.isArray(x)) return '[]interface {}';
  return 'map[string]interface {}';
}

function goKindOf(x: unknown): string {
  if (x === null || x === undefined) return 'invalid';
  if (typeof x === 'string') return 'string';
  if (typeof x === 'number') return Number.isInteger(x) ? 'int' : 'float64';
  if (typeof x === 'boolean') return 'bool';
  if (Array.isArray(x)) return 'slice';
  return 'map';
}
