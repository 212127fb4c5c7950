/**
 * GJSON paths as goss evaluates them (github.com/tidwall/gjson v1.19.0, its SYNTAX.md): keys
 * with `\` escapes and `*`/`?` wildcards, array indexes, `#` (length), `#.path` (each element),
 * queries `#(path op value)` (first match) and `#(…)#` (every match) with `==`, `!=`, `<`, `<=`,
 * `>`, `>=`, `%` (like), `!%`, `~true`/`~false`/`~null`/`~*`, nested queries; `|` versus `.`;
 * modifiers `@this`, `@reverse`, `@ugly`, `@pretty`, `@valid`, `@flatten`, `@join`, `@keys`,
 * `@values`, `@tostr`, `@fromstr`, `@group`, `@dig` with arguments; multipaths `[a,b]` and
 * `{a,"k":b}`; literals `!true`, `!"text"`, `!{…}`.
 *
 * gjson works on the JSON text, not a decoded tree: modifiers return new text and paths go on
 * from there, keys keep their order, the first of duplicate keys is found. This port does the
 * same, so `@keys`, `@tostr` and wildcards see what gjson sees. JSON lines (`..`) are not supported.
 */

type Kind = 'string' | 'number' | 'true' | 'false' | 'null' | 'json';

/** A gjson Result: the raw text and, for scalars, the decoded value. `null` result = !Exists(). */
export interface GResult {
  kind: Kind;
  raw: string;
  str?: string;
  num?: number;
}

/** A parsed JSON value with its raw text, keys in document order. */
type Node =
  | { t: 'object'; raw: string; entries: { keyRaw: string; key: string; value: Node }[] }
  | { t: 'array'; raw: string; items: Node[] }
  | { t: 'string'; raw: string; str: string }
  | { t: 'number'; raw: string; num: number }
  | { t: 'true' | 'false' | 'null'; raw: string };

class JsonError extends Error {}

/** Parse one JSON value at `i` (after whitespace); returns it and the index after it. */
function parseValue(s: string, i: number): [Node, number] {
  i = skipWs(s, i);
  const c = s[i];
  if (c === '{') {
    const start = i;
    const entries: { keyRaw: string; key: string; value: Node }[] = [];
    i = skipWs(s, i + 1);
    if (s[i] === '}') return [{ t: 'object', raw: s.slice(start, i + 1), entries }, i + 1];
    for (;;) {
      i = skipWs(s, i);
      if (s[i] !== '"') throw new JsonError('key');
      const [k, ki] = parseValue(s, i);
      i = skipWs(s, ki);
      if (s[i] !== ':') throw new JsonError(':');
      const [v, vi] = parseValue(s, i + 1);
      entries.push({ keyRaw: k.raw, key: (k as { str: string }).str, value: v });
      i = skipWs(s, vi);
      if (s[i] === ',') {
        i++;
        continue;
      }
      if (s[i] === '}') return [{ t: 'object', raw: s.slice(start, i + 1), entries }, i + 1];
      throw new JsonError('}');
    }
  }
  if (c === '[') {
    const start = i;
    const items: Node[] = [];
    i = skipWs(s, i + 1);
    if (s[i] === ']') return [{ t: 'array', raw: s.slice(start, i + 1), items }, i + 1];
    for (;;) {
      const [v, vi] = parseValue(s, i);
      items.push(v);
      i = skipWs(s, vi);
      if (s[i] === ',') {
        i++;
        continue;
      }
      if (s[i] === ']') return [{ t: 'array', raw: s.slice(start, i + 1), items }, i + 1];
      throw new JsonError(']');
    }
  }
  if (c === '"') {
    let j = i + 1;
    while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
    if (j >= s.length) throw new JsonError('string');
    const raw = s.slice(i, j + 1);
    return [{ t: 'string', raw, str: JSON.parse(raw) as string }, j + 1];
  }
  for (const lit of ['true', 'false', 'null'] as const) {
    if (s.startsWith(lit, i)) return [{ t: lit, raw: lit }, i + lit.length];
  }
  const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(s.slice(i, i + 400));
  if (!m) throw new JsonError('value');
  return [{ t: 'number', raw: m[0], num: Number(m[0]) }, i + m[0].length];
}

function skipWs(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  return i;
}

/** gjson.Valid: one JSON value and nothing but whitespace around it. */
export function gjsonValid(s: string): boolean {
  try {
    const [, end] = parseValue(s, 0);
    return skipWs(s, end) === s.length;
  } catch {
    return false;
  }
}

/** gjson.Parse: the first value in the text, or nothing. */
function parse(s: string): Node | undefined {
  try {
    return parseValue(s, 0)[0];
  } catch {
    return undefined;
  }
}

function result(n: Node): GResult {
  switch (n.t) {
    case 'object':
    case 'array':
      return { kind: 'json', raw: n.raw };
    case 'string':
      return { kind: 'string', raw: n.raw, str: n.str };
    case 'number':
      return { kind: 'number', raw: n.raw, num: n.num };
    default:
      return { kind: n.t, raw: n.raw };
  }
}

/** Result.String(). */
function resultString(r: GResult | null): string {
  if (!r) return '';
  if (r.kind === 'string') return r.str!;
  if (r.kind === 'null') return '';
  return r.raw;
}

/** Result.Value(): string, float64, bool, nil, or decoded JSON (maps, later duplicate keys winning). */
export function resultValue(r: GResult): unknown {
  switch (r.kind) {
    case 'string':
      return r.str;
    case 'number':
      return r.num;
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    default: {
      const n = parse(r.raw);
      return n ? decode(n) : null;
    }
  }
}

function decode(n: Node): unknown {
  switch (n.t) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const e of n.entries) o[e.key] = decode(e.value);
      return o;
    }
    case 'array':
      return n.items.map(decode);
    case 'string':
      return n.str;
    case 'number':
      return n.num;
    case 'true':
      return true;
    case 'false':
      return false;
    default:
      return null;
  }
}

/**
 * tidwall/match: `*` any run, `?` any one character, `\` escapes the next one. Matched by
 * walking both strings (backing up to the last `*`), in O(len × pattern) without a regex: the
 * text is target data and must not meet a backtracking engine.
 */
export function matchPattern(str: string, pattern: string): boolean {
  const p: { t: '*' | '?' | 'c'; c?: string }[] = [];
  const pat = [...pattern];
  for (let i = 0; i < pat.length; i++) {
    const c = pat[i]!;
    if (c === '*') p.push({ t: '*' });
    else if (c === '?') p.push({ t: '?' });
    else if (c === '\\' && i + 1 < pat.length) p.push({ t: 'c', c: pat[++i]! });
    else p.push({ t: 'c', c });
  }
  const s = [...str];
  let si = 0;
  let pi = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    const tok = p[pi];
    if (tok && (tok.t === '?' || (tok.t === 'c' && tok.c === s[si]))) {
      si++;
      pi++;
    } else if (tok?.t === '*') {
      starP = pi++;
      starS = si;
    } else if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
    } else return false;
  }
  while (p[pi]?.t === '*') pi++;
  return pi === p.length;
}

// ---- path parsing (gjson's parseObjectPath / parseArrayPath / parseQuery) ----

interface Ctx {
  pipe?: string;
}

function isDotPiperChar(s: string): boolean {
  const c = s[0];
  if (c === '@') {
    let i = 1;
    while (i < s.length && s[i] !== '.' && s[i] !== '|' && s[i] !== ':') i++;
    return Object.hasOwn(MODIFIERS, s.slice(1, i));
  }
  return c === '[' || c === '{';
}

function parseObjectPath(path: string) {
  const r = { part: '', path: '', pipe: '', piped: false, wild: false, more: false };
  let part = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '|') {
      r.part = part;
      r.pipe = path.slice(i + 1);
      r.piped = true;
      return r;
    }
    if (c === '.') {
      r.part = part;
      if (i < path.length - 1 && isDotPiperChar(path.slice(i + 1))) {
        r.pipe = path.slice(i + 1);
        r.piped = true;
      } else {
        r.path = path.slice(i + 1);
        r.more = true;
      }
      return r;
    }
    if (c === '*' || c === '?') r.wild = true;
    if (c === '\\') {
      // An escaped character is literal (gjson still treats an escaped `*` as a wildcard
      // character in the pattern, which then escapes it in turn).
      i++;
      if (i < path.length) part += r.wild ? `\\${path[i]}` : path[i];
      continue;
    }
    part += c;
  }
  r.part = part;
  return r;
}

interface Query {
  on: boolean;
  all: boolean;
  path: string;
  op: string;
  value: string;
}

function trim(s: string): string {
  return s.replace(/^[\0- ]+|[\0- ]+$/g, '');
}

function parseQuery(
  q: string,
): { path: string; op: string; value: string; end: number; vesc: boolean } | undefined {
  if (q.length < 2 || q[0] !== '#' || (q[1] !== '(' && q[1] !== '[')) return undefined;
  let i = 2;
  let j = 0;
  let depth = 1;
  let vesc = false;
  for (; i < q.length; i++) {
    if (depth === 1 && j === 0 && '!=<>%'.includes(q[i]!)) {
      j = i;
      continue;
    }
    if (q[i] === '\\') i++;
    else if (q[i] === '[' || q[i] === '(') depth++;
    else if (q[i] === ']' || q[i] === ')') {
      depth--;
      if (depth === 0) break;
    } else if (q[i] === '"') {
      for (i++; i < q.length; i++) {
        if (q[i] === '\\') {
          vesc = true;
          i++;
        } else if (q[i] === '"') break;
      }
    }
  }
  if (depth > 0) return undefined;
  if (j === 0) return { path: trim(q.slice(2, i)), op: '', value: '', end: i + 1, vesc };
  const path = trim(q.slice(2, j));
  let value = trim(q.slice(j, i));
  let opsz = 1;
  if (value.length > 1 && ['!=', '!%', '<=', '>='].includes(value.slice(0, 2))) opsz = 2;
  else if (value.startsWith('==')) value = value.slice(1);
  const op = value.slice(0, opsz);
  return { path, op, value: trim(value.slice(opsz)), end: i + 1, vesc };
}

function parseArrayPath(path: string) {
  const r = {
    part: '',
    path: '',
    pipe: '',
    piped: false,
    more: false,
    arrch: false,
    alogok: false,
    alogkey: '',
    query: { on: false, all: false, path: '', op: '', value: '' } as Query,
  };
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '|') {
      r.part = path.slice(0, i);
      r.pipe = path.slice(i + 1);
      r.piped = true;
      return r;
    }
    if (c === '.') {
      r.part = path.slice(0, i);
      if (!r.arrch && i < path.length - 1 && isDotPiperChar(path.slice(i + 1))) {
        r.pipe = path.slice(i + 1);
        r.piped = true;
      } else {
        r.path = path.slice(i + 1);
        r.more = true;
      }
      return r;
    }
    if (c === '#') {
      r.arrch = true;
      if (i === 0 && path.length > 1) {
        if (path[1] === '.') {
          r.alogok = true;
          r.alogkey = path.slice(2);
          r.path = path.slice(0, 1);
        } else if (path[1] === '[' || path[1] === '(') {
          r.query.on = true;
          const q = parseQuery(path.slice(i));
          if (!q) break;
          let value = q.value;
          if (value.length >= 2 && value[0] === '"' && value[value.length - 1] === '"') {
            value = value.slice(1, -1);
            if (q.vesc) value = unescapeJson(value);
          }
          r.query = { on: true, all: false, path: q.path, op: q.op, value };
          i = q.end - 1;
          if (i + 1 < path.length && path[i + 1] === '#') r.query.all = true;
        }
      }
    }
  }
  r.part = path;
  r.path = '';
  return r;
}

function unescapeJson(s: string): string {
  try {
    return JSON.parse(`"${s}"`) as string;
  } catch {
    return s;
  }
}

function splitPossiblePipe(path: string): [string, string] | undefined {
  if (!path.includes('|')) return undefined;
  if (path[0] === '{') {
    const sq = squash(path.slice(1));
    if (sq.length < path.length - 1) {
      const left = path.slice(0, sq.length + 1);
      const remain = path.slice(left.length);
      if (remain[0] === '|') return [left, remain.slice(1)];
    }
    return undefined;
  }
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '\\') i++;
    else if (path[i] === '.') {
      if (i === path.length - 1) return undefined;
      if (path[i + 1] === '#') {
        i += 2;
        if (i === path.length) return undefined;
        if (path[i] === '[' || path[i] === '(') {
          const [start, end] = path[i] === '[' ? ['[', ']'] : ['(', ')'];
          let depth = 1;
          for (i++; i < path.length; i++) {
            if (path[i] === '\\') i++;
            else if (path[i] === start) depth++;
            else if (path[i] === end) {
              depth--;
              if (depth === 0) break;
            } else if (path[i] === '"') {
              for (i++; i < path.length; i++) {
                if (path[i] === '\\') i++;
                else if (path[i] === '"') break;
              }
            }
          }
        }
      }
    } else if (path[i] === '|') return [path.slice(0, i), path.slice(i + 1)];
  }
  return undefined;
}

/** gjson's squash: the balanced `{…}`, `[…]`, `(…)` or string at the start of s. */
function squash(s: string): string {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') {
      for (i++; i < s.length && s[i] !== '"'; i++) if (s[i] === '\\') i++;
      if (depth === 0) return s.slice(0, i + 1);
    } else if ('{[('.includes(c)) depth++;
    else if ('}])'.includes(c)) {
      depth--;
      if (depth === 0) return s.slice(0, i + 1);
    }
  }
  return s;
}

// ---- evaluation ----

function queryMatches(q: Query, value: GResult | null): boolean {
  let rpv = q.value;
  let v = value;
  if (rpv.startsWith('~')) {
    rpv = rpv.slice(1);
    const ish: Record<string, (r: GResult | null) => boolean> = {
      '*': (r) => r !== null,
      // A missing value is gjson's zero Result, whose type is Null.
      null: (r) => r === null || r.kind === 'null',
      true: (r) => truthy(r) === true,
      false: (r) => r === null || r.kind === 'null' || truthy(r) === false,
    };
    const f = ish[rpv];
    if (f) {
      v = f(v) ? { kind: 'true', raw: 'true' } : { kind: 'false', raw: 'false' };
      rpv = 'true';
    } else {
      rpv = '';
      v = null;
    }
  }
  if (!v) return false;
  if (q.op === '') return true;
  if (v.kind === 'string') {
    const s = v.str!;
    switch (q.op) {
      case '=':
        return s === rpv;
      case '!=':
        return s !== rpv;
      case '<':
        return byteLess(s, rpv);
      case '<=':
        return s === rpv || byteLess(s, rpv);
      case '>':
        return byteLess(rpv, s);
      case '>=':
        return s === rpv || byteLess(rpv, s);
      case '%':
        return matchPattern(s, rpv);
      case '!%':
        return !matchPattern(s, rpv);
    }
    return false;
  }
  if (v.kind === 'number') {
    const n = Number.parseFloat(rpv);
    const x = v.num!;
    const r = Number.isNaN(n) ? 0 : n;
    switch (q.op) {
      case '=':
        return x === r;
      case '!=':
        return x !== r;
      case '<':
        return x < r;
      case '<=':
        return x <= r;
      case '>':
        return x > r;
      case '>=':
        return x >= r;
    }
    return false;
  }
  if (v.kind === 'true') {
    return q.op === '='
      ? rpv === 'true'
      : q.op === '!='
        ? rpv !== 'true'
        : q.op === '>'
          ? rpv === 'false'
          : q.op === '>=';
  }
  if (v.kind === 'false') {
    return q.op === '='
      ? rpv === 'false'
      : q.op === '!='
        ? rpv !== 'false'
        : q.op === '<'
          ? rpv === 'true'
          : q.op === '<=';
  }
  return false;
}

/** trueish/falseish: true, false, or neither (undefined). */
function truthy(r: GResult | null): boolean | undefined {
  if (!r) return undefined;
  if (r.kind === 'true') return true;
  if (r.kind === 'false') return false;
  if (r.kind === 'number') return r.num !== 0;
  if (r.kind === 'string') {
    const b = r.str!.toLowerCase();
    if (['1', 't', 'true'].includes(b)) return true;
    if (['0', 'f', 'false'].includes(b)) return false;
  }
  return undefined;
}

function byteLess(a: string, b: string): boolean {
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0;
}

function objStep(ctx: Ctx, obj: Extract<Node, { t: 'object' }>, path: string): GResult | null {
  const rp = parseObjectPath(path);
  if (!rp.more && rp.piped) ctx.pipe = rp.pipe;
  for (const e of obj.entries) {
    const pmatch = rp.wild ? matchPattern(e.key, rp.part) : e.key === rp.part;
    if (!pmatch) continue;
    if (!rp.more) return result(e.value);
    const r = step(ctx, e.value, rp.path);
    if (r) return r;
  }
  return null;
}

function step(ctx: Ctx, n: Node, path: string): GResult | null {
  if (n.t === 'object') return objStep(ctx, n, path);
  if (n.t === 'array') return arrStep(ctx, n, path);
  return null;
}

function arrStep(ctx: Ctx, arr: Extract<Node, { t: 'array' }>, path: string): GResult | null {
  const rp = parseArrayPath(path);
  if (!rp.more && rp.piped) ctx.pipe = rp.pipe;
  if (rp.query.on) {
    const found: string[] = [];
    for (const el of arr.items) {
      let res: GResult | null;
      if (el.t === 'object' || el.t === 'array') res = get(el.raw, rp.query.path);
      else res = rp.query.path !== '' ? null : result(el);
      if (rp.query.path !== '' && el.t !== 'object' && el.t !== 'array') continue;
      if (!queryMatches(rp.query, res)) continue;
      let out: GResult | null = result(el);
      if (rp.more) {
        const split = splitPossiblePipe(rp.path);
        if (split) {
          rp.path = split[0];
          ctx.pipe = split[1];
        }
        out = get(el.raw, rp.path);
      }
      if (!rp.query.all) return out;
      const raw = out?.raw || resultString(out);
      if (raw !== '') found.push(raw);
    }
    return rp.query.all ? { kind: 'json', raw: `[${found.join(',')}]` } : null;
  }
  if (rp.arrch) {
    if (rp.part !== '#') return null;
    if (rp.alogok) {
      let key = rp.alogkey;
      const split = splitPossiblePipe(key);
      if (split) {
        key = split[0];
        ctx.pipe = split[1];
      }
      const raws: string[] = [];
      for (const el of arr.items) {
        const r = get(el.raw, key);
        if (r) raws.push(r.raw || resultString(r));
      }
      return { kind: 'json', raw: `[${raws.join(',')}]` };
    }
    return { kind: 'number', raw: String(arr.items.length), num: arr.items.length };
  }
  if (!/^\d+$/.test(rp.part)) return null;
  const el = arr.items[Number(rp.part)];
  if (!el) return null;
  if (!rp.more) return result(el);
  return step(ctx, el, rp.path);
}

/** gjson.Get: the result of `path` in `json`, or null when it does not exist. */
export function get(json: string, path: string): GResult | null {
  if (path.length > 1) {
    if (path[0] === '@' || path[0] === '!') {
      const m = path[0] === '@' ? execModifier(json, path) : execStatic(path);
      if (m) {
        const [rest, out] = m;
        if (rest.length > 0 && (rest[0] === '|' || rest[0] === '.')) return get(out, rest.slice(1));
        const n = parse(out);
        return n ? result(n) : null;
      }
    }
    if (path[0] === '[' || path[0] === '{') {
      const sub = parseSubSelectors(path);
      if (sub && (sub.rest.length === 0 || sub.rest[0] === '|' || sub.rest[0] === '.')) {
        const kind = path[0];
        const parts: string[] = [];
        for (const s of sub.sels) {
          const r = get(json, s.path);
          if (!r) continue;
          let item = r.raw || resultString(r) || 'null';
          if (kind === '{') {
            let name: string;
            if (s.name.length > 0)
              name = s.name[0] === '"' && gjsonValid(s.name) ? s.name : jsonString(s.name);
            else {
              const last = nameOfLast(s.path);
              name = jsonString(isSimpleName(last) ? last : '_');
            }
            item = `${name}:${item}`;
          }
          parts.push(item);
        }
        const raw = kind === '{' ? `{${parts.join(',')}}` : `[${parts.join(',')}]`;
        if (sub.rest.length > 0) return get(raw, sub.rest.slice(1));
        return { kind: 'json', raw };
      }
    }
  }
  if (path.startsWith('..')) throw new Error('gjson JSON lines (..) are not supported');
  const root = parse(json.slice(firstContainer(json)));
  if (!root || (root.t !== 'object' && root.t !== 'array')) return null;
  const ctx: Ctx = {};
  const r = step(ctx, root, path);
  if (ctx.pipe !== undefined) return get(r ? r.raw : '', ctx.pipe);
  return r;
}

/** gjson scans to the first `{` or `[`; a scalar document has no paths. */
function firstContainer(json: string): number {
  const i = skipWs(json, 0);
  return json[i] === '{' || json[i] === '[' ? i : json.length;
}

function execStatic(path: string): [string, string] | undefined {
  const name = path.slice(1);
  if (name.length > 0 && '{["+-0123456789'.includes(name[0]!)) {
    const [n, end] = (() => {
      try {
        return parseValue(name, 0);
      } catch {
        return [undefined, 0] as const;
      }
    })();
    if (!n) return undefined;
    return [name.slice(end), name.slice(0, end)];
  }
  let i = 1;
  while (i < path.length && path[i] !== '|' && path[i] !== '.') i++;
  const lit = path.slice(1, i);
  if (['true', 'false', 'null', 'nan', 'inf'].includes(lit.toLowerCase())) return [path.slice(i), lit];
  return undefined;
}

function execModifier(json: string, path: string): [string, string] | undefined {
  let name = path.slice(1);
  let rest = '';
  let hasArgs = false;
  for (let i = 1; i < path.length; i++) {
    if (path[i] === ':') {
      rest = path.slice(i + 1);
      name = path.slice(1, i);
      hasArgs = rest.length > 0;
      break;
    }
    if (path[i] === '|' || path[i] === '.') {
      rest = path.slice(i);
      name = path.slice(1, i);
      break;
    }
  }
  const fn = Object.hasOwn(MODIFIERS, name) ? MODIFIERS[name] : undefined;
  if (!fn) return undefined;
  let args = '';
  if (hasArgs) {
    let parsed = false;
    if ('{["'.includes(rest[0]!)) {
      const sq = squash(rest);
      if (parse(sq)) {
        args = sq;
        rest = rest.slice(sq.length);
        parsed = true;
      }
    }
    if (!parsed) {
      let i = 0;
      for (; i < rest.length && rest[i] !== '|'; i++) {
        if ('{["('.includes(rest[i]!)) i += squash(rest.slice(i)).length - 1;
      }
      args = rest.slice(0, i);
      rest = rest.slice(i);
    }
  }
  return [rest, fn(json, args)];
}

function parseSubSelectors(
  path: string,
): { sels: { name: string; path: string }[]; rest: string } | undefined {
  const sels: { name: string; path: string }[] = [];
  let modifier = 0;
  let depth = 1;
  let colon = 0;
  let start = 1;
  const push = (i: number) => {
    sels.push(
      colon === 0
        ? { name: '', path: path.slice(start, i) }
        : { name: path.slice(start, colon), path: path.slice(colon + 1, i) },
    );
    colon = 0;
    modifier = 0;
    start = i + 1;
  };
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (c === '\\') i++;
    else if (c === '@') {
      if (modifier === 0 && (path[i - 1] === '.' || path[i - 1] === '|')) modifier = i;
    } else if (c === ':') {
      if (modifier === 0 && colon === 0 && depth === 1) colon = i;
    } else if (c === ',') {
      if (depth === 1) push(i);
    } else if (c === '"') {
      for (i++; i < path.length && path[i] !== '"'; i++) if (path[i] === '\\') i++;
    } else if ('[({'.includes(c)) depth++;
    else if ('])}'.includes(c)) {
      depth--;
      if (depth === 0) {
        push(i);
        return { sels, rest: path.slice(i + 1) };
      }
    }
  }
  return undefined;
}

function nameOfLast(path: string): string {
  for (let i = path.length - 1; i >= 0; i--) {
    if ((path[i] === '|' || path[i] === '.') && !(i > 0 && path[i - 1] === '\\')) return path.slice(i + 1);
  }
  return path;
}

function isSimpleName(s: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: gjson refuses control characters in a name
  return !/[\u0000-\u001f[\]{}()#|!]/.test(s);
}

/** gjson's AppendJSONString: HTML characters and U+2028/9 escaped, as Go does. */
function jsonString(s: string): string {
  return JSON.stringify(s).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

// ---- modifiers (gjson's modifiers map) ----

const MODIFIERS: Record<string, (json: string, arg: string) => string> = {
  this: (json) => json,
  valid: (json) => (gjsonValid(json) ? json : ''),
  ugly: (json) => ugly(json),
  pretty: (json, arg) => pretty(json, arg),
  reverse(json) {
    const n = parse(json);
    if (n?.t === 'array')
      return `[${[...n.items]
        .reverse()
        .map((x) => x.raw)
        .join(',')}]`;
    if (n?.t === 'object')
      return `{${[...n.entries]
        .reverse()
        .map((e) => `${e.keyRaw}:${e.value.raw}`)
        .join(',')}}`;
    return json;
  },
  flatten(json, arg) {
    const n = parse(json);
    if (n?.t !== 'array') return json;
    const deep = boolArg(arg, 'deep');
    const out: string[] = [];
    for (const v of n.items) {
      let raw = v.raw;
      if (v.t === 'array') raw = unwrap(deep ? MODIFIERS.flatten!(v.raw, arg) : v.raw);
      raw = raw.trim();
      if (raw.length > 0) out.push(raw);
    }
    return `[${out.join(',')}]`;
  },
  keys(json) {
    const n = parse(json);
    if (!n) return '[]';
    if (n.t === 'object') return `[${n.entries.map((e) => e.keyRaw).join(',')}]`;
    if (n.t === 'array') return `[${n.items.map(() => 'null').join(',')}]`;
    return '[]';
  },
  values(json) {
    const n = parse(json);
    if (!n) return '[]';
    if (n.t === 'array') return json;
    if (n.t === 'object') return `[${n.entries.map((e) => e.value.raw).join(',')}]`;
    return '[]';
  },
  join(json, arg) {
    const n = parse(json);
    if (n?.t !== 'array') return json;
    const objects = n.items.filter((x) => x.t === 'object') as Extract<Node, { t: 'object' }>[];
    if (boolArg(arg, 'preserve')) return `{${objects.map((o) => unwrap(o.raw)).join(',')}}`;
    const order: string[] = [];
    const vals = new Map<string, { keyRaw: string; raw: string }>();
    for (const o of objects) {
      for (const e of o.entries) {
        if (!vals.has(e.key)) order.push(e.key);
        vals.set(e.key, { keyRaw: vals.get(e.key)?.keyRaw ?? e.keyRaw, raw: e.value.raw });
      }
    }
    return `{${order.map((k) => `${vals.get(k)!.keyRaw}:${vals.get(k)!.raw}`).join(',')}}`;
  },
  tostr: (json) => jsonString(json),
  fromstr(json) {
    if (!gjsonValid(json)) return '';
    const n = parse(json)!;
    return resultString(result(n));
  },
  group(json) {
    const n = parse(json);
    if (n?.t !== 'object') return '';
    const all: string[][] = [];
    for (const e of n.entries) {
      if (e.value.t !== 'array') continue;
      e.value.items.forEach((v, i) => {
        all[i] ??= [];
        all[i]!.push(`${e.keyRaw}:${v.raw}`);
      });
    }
    return `[${all.map((items) => `{${items.join(',')}}`).join(',')}]`;
  },
  dig(json, arg) {
    const found: string[] = [];
    const walk = (n: Node) => {
      const r = get(n.raw, arg);
      if (r) found.push(r.raw);
      if (n.t === 'object') for (const e of n.entries) walk(e.value);
      if (n.t === 'array') for (const x of n.items) walk(x);
    };
    const root = parse(json);
    if (root) walk(root);
    return `[${found.join(',')}]`;
  },
};

function boolArg(arg: string, key: string): boolean {
  const n = arg ? parse(arg) : undefined;
  if (n?.t !== 'object') return false;
  const e = n.entries.find((x) => x.key === key);
  return e ? truthy(result(e.value)) === true : false;
}

function unwrap(json: string): string {
  const t = trim(json);
  return t.length >= 2 && (t[0] === '[' || t[0] === '{') ? t.slice(1, -1) : t;
}

/** Whitespace outside strings removed. */
function ugly(json: string): string {
  let out = '';
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < json.length && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      out += json.slice(i, j + 1);
      i = j;
    } else if (c > ' ') out += c;
  }
  return out;
}

/** tidwall/pretty's layout in outline (2-space indent, `sortKeys` honoured); only its text differs. */
function pretty(json: string, arg: string): string {
  const n = parse(json);
  if (!n) return json;
  const sortKeys = boolArg(arg, 'sortKeys');
  const render = (x: Node, ind: string): string => {
    if (x.t === 'object') {
      if (x.entries.length === 0) return '{}';
      const es = sortKeys ? [...x.entries].sort((a, b) => (byteLess(a.key, b.key) ? -1 : 1)) : x.entries;
      return `{\n${es.map((e) => `${ind}  ${e.keyRaw}: ${render(e.value, `${ind}  `)}`).join(',\n')}\n${ind}}`;
    }
    if (x.t === 'array') {
      if (x.items.length === 0) return '[]';
      return `[\n${x.items.map((v) => `${ind}  ${render(v, `${ind}  `)}`).join(',\n')}\n${ind}]`;
    }
    return x.raw;
  };
  return `${render(n, '')}\n`;
}
