import { isRecord, MatchError } from './core.js';

/**
 * The part of gjson's path syntax goss users rely on (https://github.com/tidwall/gjson/blob/master/SYNTAX.md):
 *   `a.b.c`      nested keys            `a\.b`   a key containing a dot (`\` escapes any character)
 *   `list.1`     array index            `list.#` array length
 *   `list.#.x`   field x of every element (elements without it are left out)
 *   `@this`      the whole document
 * Wildcards (`*`, `?`), queries (`#(...)`), pipes (`|`), multipaths and other modifiers are not
 * supported and fail with an error naming the path, never with a silent mismatch.
 */
export function splitPath(path: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === '\\' && i + 1 < path.length) {
      cur += path[++i];
    } else if (c === '.') {
      parts.push(cur);
      cur = '';
    } else {
      if ('*?|(),[]{}'.includes(c)) throw unsupported(path);
      cur += c;
    }
  }
  parts.push(cur);
  if (parts.some((p) => p === '')) throw unsupported(path);
  for (const [i, p] of parts.entries()) {
    if (p.startsWith('@') && !(p === '@this' && i === 0)) throw unsupported(path);
  }
  return parts;
}

function unsupported(path: string): MatchError {
  return new MatchError(
    `gjson path ${JSON.stringify(path)} uses syntax imagegate does not support (supported: keys, \\-escapes, indexes, #, #.field, @this)`,
  );
}

const MISSING = Symbol('missing');

/** Resolve a path; `undefined` when it does not exist (gjson's !Exists()). */
export function getPath(doc: unknown, path: string): unknown {
  const r = walk(doc, splitPath(path));
  return r === MISSING ? undefined : r;
}

function walk(value: unknown, parts: string[]): unknown {
  if (parts.length === 0) return value;
  const [head, ...rest] = parts as [string, ...string[]];
  if (head === '@this') return walk(value, rest);
  if (Array.isArray(value)) {
    if (head === '#') {
      if (rest.length === 0) return value.length;
      const out = value.map((v) => walk(v, rest)).filter((v) => v !== MISSING);
      return out;
    }
    if (/^\d+$/.test(head)) {
      const i = Number(head);
      return i < value.length ? walk(value[i], rest) : MISSING;
    }
    return MISSING;
  }
  if (isRecord(value) && Object.hasOwn(value, head)) return walk(value[head], rest);
  return MISSING;
}
