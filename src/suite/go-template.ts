import { UserError } from '../core/errors.js';
import { readTextCapped } from '../core/fs.js';
import { SuiteError } from './errors.js';
import { goSprintf, goValue } from './go-printf.js';
import { type GoRegex, goRegex } from './matchers/regex.js';
import { shQuote } from './quote.js';
import { SPRIG } from './sprig.js';

/**
 * The subset of Go's text/template that gossfiles use, rendered BEFORE the YAML is parsed (as
 * goss does). docs/suites.md lists exactly what is supported; anything else is an error naming
 * file:line, never silent text.
 *
 * Supported: `{{.Vars.x}}`, `{{.Env.X}}`, `.`/`$`/`$var` with field chains, string/raw/number/
 * bool/nil literals, pipelines `a | f b`, parentheses, `{{- -}}` trimming, comments,
 * `if / else if / else / end`, `range` (lists, maps in key order, numbers; `$v :=`,
 * `$k, $v :=`; `else`), `with / else`, `$x := …`, `$x = …`, and the functions in FUNCS below.
 */

export class TemplateError extends SuiteError {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: template: ${message}`);
    this.name = 'TemplateError';
  }
}

export interface TemplateData {
  Vars: Record<string, unknown>;
  Env: Record<string, string | undefined>;
}

export interface RenderOptions {
  /** Base directory for `readFile` with a relative path (goss: the working directory). */
  cwd?: string;
  /** Refuse to render more than this many characters, or to read a larger file (default: no limit). */
  maxBytes?: number;
  /**
   * Told of every value taken from the machine running imagegate (`readFile` content, `.Env`
   * and `getEnv` values), so callers can keep it out of error messages.
   */
  onHostValue?: (source: string, value: string) => void;
}

// ---------------------------------------------------------------- lexing

type Tok =
  | { t: 'field'; path: string[] }
  | { t: 'var'; name: string; path: string[] }
  | { t: 'ident'; v: string }
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'nil' }
  | { t: 'punct'; v: '(' | ')' | '|' | ':=' | '=' | ',' }
  | { t: 'dot' };

interface Chunk {
  kind: 'text' | 'action';
  text: string;
  line: number;
}

function chunks(src: string, file: string): Chunk[] {
  const out: Chunk[] = [];
  let i = 0;
  let line = 1;
  let trimNext = false;
  const lineAt = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (src.charCodeAt(k) === 10) line++;
  };
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open === -1 ? src.slice(i) : src.slice(i, open);
    const textLine = line;
    lineAt(i, open === -1 ? src.length : open);
    if (open === -1) {
      if (trimNext) text = text.replace(/^\s+/, '');
      out.push({ kind: 'text', text, line: textLine });
      break;
    }
    const trimLeft =
      src.startsWith('{{- ', open) || src.startsWith('{{-\t', open) || src.startsWith('{{-\n', open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (trimLeft) text = text.replace(/\s+$/, '');
    out.push({ kind: 'text', text, line: textLine });
    const start = open + (trimLeft ? 3 : 2);
    const close = findClose(src, start);
    if (close === -1) throw new TemplateError(file, line, 'unclosed action: "{{" without "}}"');
    const trimRight = /[\s]-$/.test(src.slice(start, close)) || src.slice(start, close) === '-';
    const body = src.slice(start, trimRight ? close - 1 : close);
    out.push({ kind: 'action', text: body, line });
    lineAt(open, close + 2);
    i = close + 2;
    trimNext = trimRight;
  }
  return out;
}

/** Find `}}` that closes an action, skipping string literals (which may contain braces). */
function findClose(src: string, from: number): number {
  let i = from;
  while (i < src.length) {
    const c = src[i];
    if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') i += src[i] === '\\' ? 2 : 1;
    } else if (c === '`') {
      i = src.indexOf('`', i + 1);
      if (i === -1) return -1;
    } else if (c === '}' && src[i + 1] === '}') {
      return i;
    }
    i++;
  }
  return -1;
}

function lex(body: string, file: string, line: number): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const err = (m: string) => new TemplateError(file, line, m);
  const readPath = (): string[] => {
    const path: string[] = [];
    while (body[i] === '.' && /[A-Za-z_]/.test(body[i + 1] ?? '')) {
      i++;
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(body.slice(i))!;
      path.push(m[0]);
      i += m[0].length;
    }
    return path;
  };
  while (i < body.length) {
    const c = body[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < body.length && body[j] !== '"') j += body[j] === '\\' ? 2 : 1;
      if (j >= body.length) throw err('unterminated quoted string');
      try {
        toks.push({ t: 'str', v: JSON.parse(body.slice(i, j + 1).replace(/\\'/g, "'")) as string });
      } catch {
        throw err(`invalid string literal ${body.slice(i, j + 1)}`);
      }
      i = j + 1;
    } else if (c === '`') {
      const j = body.indexOf('`', i + 1);
      if (j === -1) throw err('unterminated raw string');
      toks.push({ t: 'str', v: body.slice(i + 1, j) });
      i = j + 1;
    } else if (c === '.') {
      if (/[A-Za-z_]/.test(body[i + 1] ?? '')) toks.push({ t: 'field', path: readPath() });
      else {
        toks.push({ t: 'dot' });
        i++;
      }
    } else if (c === '$') {
      const m = /^\$[A-Za-z0-9_]*/.exec(body.slice(i))!;
      i += m[0].length;
      toks.push({ t: 'var', name: m[0], path: readPath() });
    } else if (c === ':' && body[i + 1] === '=') {
      toks.push({ t: 'punct', v: ':=' });
      i += 2;
    } else if ('()|=,'.includes(c)) {
      toks.push({ t: 'punct', v: c as '(' });
      i++;
    } else if (/[-+0-9]/.test(c)) {
      const m = /^[-+]?(0x[0-9a-fA-F]+|\d+(\.\d+)?([eE][-+]?\d+)?)/.exec(body.slice(i));
      if (!m) throw err(`unexpected "${c}"`);
      toks.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(body.slice(i))!;
      i += m[0].length;
      if (m[0] === 'true' || m[0] === 'false') toks.push({ t: 'bool', v: m[0] === 'true' });
      else if (m[0] === 'nil') toks.push({ t: 'nil' });
      else toks.push({ t: 'ident', v: m[0] });
      if (body[i] === '.' && /[A-Za-z_]/.test(body[i + 1] ?? '')) {
        throw err(
          `field access on a function result ("${m[0]}.") is not supported; use index or parentheses`,
        );
      }
    } else {
      throw err(`unexpected "${c}" in action (supported syntax: see docs/suites.md)`);
    }
  }
  return toks;
}

// ---------------------------------------------------------------- parsing

type Arg =
  | { k: 'lit'; v: unknown }
  | { k: 'field'; path: string[] }
  | { k: 'var'; name: string; path: string[] }
  | { k: 'dot' }
  | { k: 'fn'; name: string }
  | { k: 'sub'; pipe: Pipeline };

interface Pipeline {
  decl: string[];
  assign: boolean;
  cmds: Arg[][];
  line: number;
}

type Node =
  | { n: 'text'; v: string }
  | { n: 'out'; pipe: Pipeline }
  | { n: 'if'; branches: { cond: Pipeline; body: Node[] }[]; otherwise: Node[] }
  | { n: 'range'; pipe: Pipeline; body: Node[]; otherwise: Node[] }
  | { n: 'with'; pipe: Pipeline; body: Node[]; otherwise: Node[] };

const UNSUPPORTED_KEYWORDS = ['define', 'template', 'block', 'break', 'continue'];
const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', ...UNSUPPORTED_KEYWORDS]);

function parsePipeline(toks: Tok[], file: string, line: number): Pipeline {
  const err = (m: string) => new TemplateError(file, line, m);
  let pos = 0;
  const decl: string[] = [];
  let assign = false;
  // `$x :=` / `$k, $v :=` / `$x =`
  const look = toks.findIndex((t) => t.t === 'punct' && (t.v === ':=' || t.v === '='));
  if (look > 0 && toks.slice(0, look).every((t) => t.t === 'var' || (t.t === 'punct' && t.v === ','))) {
    for (const t of toks.slice(0, look)) if (t.t === 'var') decl.push(t.name);
    assign = (toks[look] as { v: string }).v === '=';
    pos = look + 1;
  }
  const parseCmds = (stopAtParen: boolean): Arg[][] => {
    const cmds: Arg[][] = [[]];
    while (pos < toks.length) {
      const t = toks[pos]!;
      if (t.t === 'punct' && t.v === ')') {
        if (!stopAtParen) throw err('unexpected ")"');
        return cmds;
      }
      pos++;
      const cur = cmds[cmds.length - 1]!;
      switch (t.t) {
        case 'punct':
          if (t.v === '|') {
            if (cur.length === 0) throw err('missing command before "|"');
            cmds.push([]);
          } else if (t.v === '(') {
            const inner = parseCmds(true);
            if (toks[pos]?.t !== 'punct' || (toks[pos] as { v: string }).v !== ')') throw err('unclosed "("');
            pos++;
            cur.push({ k: 'sub', pipe: { decl: [], assign: false, cmds: inner, line } });
          } else throw err(`unexpected "${t.v}"`);
          break;
        case 'field':
          cur.push({ k: 'field', path: t.path });
          break;
        case 'var':
          cur.push({ k: 'var', name: t.name, path: t.path });
          break;
        case 'dot':
          cur.push({ k: 'dot' });
          break;
        case 'ident':
          if (!Object.hasOwn(FUNCS, t.v)) {
            throw err(
              `function "${t.v}" is not supported (supported: ${Object.keys(FUNCS).sort().join(', ')})`,
            );
          }
          cur.push({ k: 'fn', name: t.v });
          break;
        case 'str':
        case 'num':
        case 'bool':
          cur.push({ k: 'lit', v: t.v });
          break;
        case 'nil':
          cur.push({ k: 'lit', v: null });
          break;
      }
    }
    if (stopAtParen) throw err('unclosed "("');
    return cmds;
  };
  const cmds = parseCmds(false);
  if (cmds.some((c) => c.length === 0)) throw err('empty command in pipeline');
  return { decl, assign, cmds, line };
}

function parse(src: string, file: string): Node[] {
  const root: Node[] = [];
  type Block = Extract<Node, { otherwise: Node[] }>;
  type Frame = { node: Block | null; body: Node[]; kw: string; line: number };
  const stack: Frame[] = [{ node: null, body: root, kw: 'root', line: 1 }];
  const top = () => stack[stack.length - 1]!;
  for (const ch of chunks(src, file)) {
    if (ch.kind === 'text') {
      if (ch.text) top().body.push({ n: 'text', v: ch.text });
      continue;
    }
    const body = ch.text.trim();
    if (body.startsWith('/*')) {
      if (!body.endsWith('*/')) throw new TemplateError(file, ch.line, 'unclosed comment');
      continue;
    }
    const word = /^([a-z]+)\b/.exec(body)?.[1] ?? '';
    const kw = KEYWORDS.has(word) ? word : '';
    const rest = body.slice(kw.length);
    const pipe = () => parsePipeline(lex(rest, file, ch.line), file, ch.line);
    if (UNSUPPORTED_KEYWORDS.includes(kw)) {
      throw new TemplateError(file, ch.line, `"{{${kw}}}" is not supported (see docs/suites.md)`);
    }
    if (kw === 'if' || kw === 'range' || kw === 'with') {
      const p = pipe();
      const node: Block =
        kw === 'if'
          ? { n: 'if', branches: [{ cond: p, body: [] }], otherwise: [] }
          : { n: kw, pipe: p, body: [], otherwise: [] };
      if (kw === 'range' && p.decl.length > 2)
        throw new TemplateError(file, ch.line, 'range declares at most 2 variables');
      top().body.push(node);
      stack.push({ node, body: node.n === 'if' ? node.branches[0]!.body : node.body, kw, line: ch.line });
    } else if (kw === 'else') {
      const f = top();
      if (!f.node || f.kw === 'else') throw new TemplateError(file, ch.line, 'unexpected {{else}}');
      const elseIf = /^\s*if\b/.exec(rest);
      if (elseIf && f.node.n === 'if') {
        const cond = parsePipeline(lex(rest.slice(elseIf[0].length), file, ch.line), file, ch.line);
        const b = { cond, body: [] as Node[] };
        f.node.branches.push(b);
        f.body = b.body;
      } else if (elseIf) {
        throw new TemplateError(file, ch.line, `"else if" inside {{${f.kw}}} is not supported`);
      } else {
        if (rest.trim()) throw new TemplateError(file, ch.line, `unexpected "${rest.trim()}" after else`);
        f.body = f.node.otherwise;
        f.kw = 'else';
      }
    } else if (kw === 'end') {
      if (stack.length === 1) throw new TemplateError(file, ch.line, 'unexpected {{end}}');
      stack.pop();
    } else {
      top().body.push({ n: 'out', pipe: pipe() });
    }
  }
  if (stack.length > 1) {
    const open = top();
    throw new TemplateError(
      file,
      open.line,
      `{{${open.kw === 'else' ? 'if/range/with' : open.kw}}} is never closed by {{end}}`,
    );
  }
  return root;
}

// ---------------------------------------------------------------- evaluation

class Missing {
  constructor(readonly what: string) {}
}

type Fn = (ctx: EvalCtx, args: unknown[]) => unknown;

/** Largest file `readFile` reads (a template reading /dev/zero must not exhaust memory). */
const READ_FILE_MAX = 1 << 20;

interface EvalCtx {
  file: string;
  line: number;
  cwd: string;
  env: Record<string, string | undefined>;
  reveal: (source: string, value: string) => void;
}

function truth(v: unknown): boolean {
  if (v instanceof Missing || v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Go's fmt %v for decoded YAML values. */
export function goPrint(v: unknown): string {
  return goValue(v);
}

function fail(ctx: EvalCtx, msg: string): never {
  throw new TemplateError(ctx.file, ctx.line, msg);
}

function present(ctx: EvalCtx, v: unknown): unknown {
  if (v instanceof Missing)
    fail(ctx, `${v.what} has no value (define it in --vars/--vars-inline, or guard it with {{if}})`);
  return v;
}

function kind(ctx: EvalCtx, v: unknown): 'number' | 'string' | 'bool' | 'nil' | 'other' {
  v = present(ctx, v);
  if (v === null) return 'nil';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return 'other';
}

function compare(ctx: EvalCtx, name: string, a: unknown, b: unknown): number {
  const ka = kind(ctx, a);
  const kb = kind(ctx, b);
  if (ka !== kb || (ka !== 'number' && ka !== 'string')) {
    fail(ctx, `${name}: incompatible types for comparison (${ka} and ${kb})`);
  }
  return (a as number) < (b as number) ? -1 : a === b ? 0 : 1;
}

function basicEq(ctx: EvalCtx, a: unknown, b: unknown): boolean {
  const ka = kind(ctx, a);
  const kb = kind(ctx, b);
  if (ka === 'other' || kb === 'other')
    fail(ctx, 'eq: only basic values (strings, numbers, bools) can be compared');
  if (ka !== kb && ka !== 'nil' && kb !== 'nil')
    fail(ctx, `eq: incompatible types for comparison (${ka} and ${kb})`);
  return a === b;
}

function str(ctx: EvalCtx, fn: string, v: unknown): string {
  v = present(ctx, v);
  if (typeof v !== 'string') fail(ctx, `${fn}: expected a string, got ${goPrint(v)}`);
  return v;
}

/** Go's regexp (RE2) for regexMatch and findStringSubmatch, as goss compiles them. */
function goRegexp(ctx: EvalCtx, re: string): GoRegex {
  try {
    return goRegex(re);
  } catch (e) {
    fail(ctx, (e as Error).message);
  }
}

function printf(ctx: EvalCtx, format: string, args: unknown[]): string {
  return goSprintf(
    format,
    args.map((a) => present(ctx, a)),
  );
}

/** Every function a template may call. Names and behaviour follow Go, goss and Sprig. */
const FUNCS: Record<string, Fn> = {
  // Go text/template built-ins
  and: (_c, a) => a.find((x) => !truth(x)) ?? a[a.length - 1],
  or: (_c, a) => a.find((x) => truth(x)) ?? a[a.length - 1],
  not: (_c, a) => !truth(a[0]),
  eq: (c, [x, ...ys]) => {
    if (ys.length === 0) fail(c, 'eq: missing argument for comparison');
    return ys.some((y) => basicEq(c, x, y));
  },
  ne: (c, [x, y]) => !basicEq(c, x, y),
  lt: (c, [x, y]) => compare(c, 'lt', x, y) < 0,
  le: (c, [x, y]) => compare(c, 'le', x, y) <= 0,
  gt: (c, [x, y]) => compare(c, 'gt', x, y) > 0,
  ge: (c, [x, y]) => compare(c, 'ge', x, y) >= 0,
  len: (c, [x]) => {
    const v = present(c, x);
    if (typeof v === 'string') return Buffer.byteLength(v);
    if (Array.isArray(v)) return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    return fail(c, `len of ${goPrint(v)}`);
  },
  index: (c, [x, ...keys]) => {
    let v = present(c, x);
    for (const k of keys) {
      if (Array.isArray(v)) {
        if (typeof k !== 'number' || k < 0 || k >= v.length) fail(c, `index out of range: ${goPrint(k)}`);
        v = v[k];
      } else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        v = Object.hasOwn(o, String(k)) ? o[String(k)] : new Missing(`key ${JSON.stringify(String(k))}`);
        if (v instanceof Missing) return v;
      } else {
        fail(c, `can't index item of type ${kind(c, v)}`);
      }
    }
    return v;
  },
  print: (c, a) => a.map((x) => goPrint(present(c, x))).join(''),
  println: (c, a) => `${a.map((x) => goPrint(present(c, x))).join(' ')}\n`,
  printf: (c, [f, ...a]) => printf(c, str(c, 'printf', f), a),
  // goss's custom functions
  mkSlice: (_c, a) => a,
  getEnv: (c, [k, d]) => {
    const name = str(c, 'getEnv', k);
    const v = c.env[name];
    if (v) c.reveal(`$${name}`, v);
    return v === undefined || v === '' ? (d === undefined ? '' : d) : v;
  },
  readFile: (c, [f]) => {
    const path = str(c, 'readFile', f);
    let text: string;
    try {
      text = readTextCapped(path.startsWith('/') ? path : `${c.cwd}/${path}`, READ_FILE_MAX, 78).trim();
    } catch (e) {
      // Only the path and the reason: never the content of a file on the machine running imagegate.
      const why = e instanceof UserError ? e.message.slice(e.message.lastIndexOf(': ') + 2) : String(e);
      return fail(c, `readFile ${JSON.stringify(path)}: ${why}`);
    }
    c.reveal(path, text);
    return text;
  },
  regexMatch: (c, [re, s]) => goRegexp(c, str(c, 'regexMatch', re)).test(str(c, 'regexMatch', s)),
  toUpper: (c, [s]) => str(c, 'toUpper', s).toUpperCase(),
  toLower: (c, [s]) => str(c, 'toLower', s).toLowerCase(),
  findStringSubmatch: (c, [re, s]) => {
    // goss: named groups by name when there are any, else every group by index from "0".
    const m = goRegexp(c, str(c, 'findStringSubmatch', re)).submatch(str(c, 'findStringSubmatch', s));
    if (!m) return {};
    if (m.names.size > 0)
      return Object.fromEntries([...m.names].map(([name, i]) => [name, m.groups[i] ?? '']));
    return Object.fromEntries(m.groups.map((g, i) => [String(i), g]));
  },
  // A few Sprig functions that gossfiles commonly use
  upper: (c, [s]) => str(c, 'upper', s).toUpperCase(),
  lower: (c, [s]) => str(c, 'lower', s).toLowerCase(),
  trim: (c, [s]) => str(c, 'trim', s).trim(),
  quote: (c, a) => a.map((x) => JSON.stringify(goPrint(present(c, x)))).join(' '),
  // imagegate extension: `quote` makes a Go string literal, and inside a shell's double quotes
  // `$(…)` still runs. A var that reaches `exec:` goes through this instead: one literal word.
  shquote: (c, a) =>
    a
      .map((x) => {
        try {
          return shQuote(goPrint(present(c, x)));
        } catch (err) {
          return fail(c, `shquote: ${(err as Error).message}`);
        }
      })
      .join(' '),
  default: (_c, [d, v]) => (truth(v) ? v : d),
  contains: (c, [sub, s]) => str(c, 'contains', s).includes(str(c, 'contains', sub)),
  hasPrefix: (c, [p, s]) => str(c, 'hasPrefix', s).startsWith(str(c, 'hasPrefix', p)),
  hasSuffix: (c, [p, s]) => str(c, 'hasSuffix', s).endsWith(str(c, 'hasSuffix', p)),
  replace: (c, [o, n, s]) =>
    str(c, 'replace', s)
      .split(str(c, 'replace', o))
      .join(str(c, 'replace', n)),
  repeat: (c, [n, s]) => str(c, 'repeat', s).repeat(Number(n)),
  join: (c, [sep, list]) => {
    const l = present(c, list);
    if (!Array.isArray(l)) fail(c, 'join: expected a list');
    return l.map(goPrint).join(str(c, 'join', sep));
  },
  split: (c, [sep, s]) =>
    Object.fromEntries(
      str(c, 'split', s)
        .split(str(c, 'split', sep))
        .map((p, i) => [`_${i}`, p]),
    ),
  splitList: (c, [sep, s]) => str(c, 'splitList', s).split(str(c, 'splitList', sep)),
  list: (_c, a) => a,
  env: (c, [k]) => {
    const name = str(c, 'env', k);
    const v = c.env[name] ?? '';
    if (v) c.reveal(`$${name}`, v);
    return v;
  },
  // os.ExpandEnv: $NAME and ${NAME}, unset names empty.
  expandenv: (c, [x]) =>
    str(c, 'expandenv', x).replace(/\$(?:\{([^}]*)\}|([A-Za-z0-9_]+))/g, (_m, a?: string, b?: string) => {
      const name = a ?? b ?? '';
      const v = c.env[name] ?? '';
      if (v) c.reveal(`$${name}`, v);
      return v;
    }),
  // The rest of Sprig's text functions, as goss registers them (sprig.ts).
  ...Object.fromEntries(
    Object.entries(SPRIG).map(([name, fn]): [string, Fn] => [
      name,
      (c, a) => {
        const args = a.map((x) => present(c, x));
        try {
          return fn(args);
        } catch (e) {
          return fail(c, `error calling ${name}: ${(e as Error).message.replace(`${name}: `, '')}`);
        }
      },
    ]),
  ),
};

type Scope = Map<string, unknown>[];

function lookupVar(ctx: EvalCtx, scope: Scope, name: string): unknown {
  for (let i = scope.length - 1; i >= 0; i--) if (scope[i]!.has(name)) return scope[i]!.get(name);
  return fail(ctx, `undefined variable "${name}"`);
}

function walkPath(base: unknown, path: string[], label: string): unknown {
  let v = base;
  let where = label;
  for (const key of path) {
    where += `.${key}`;
    if (v instanceof Missing) return v;
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      v = Object.hasOwn(o, key) ? o[key] : new Missing(`{{${where}}}`);
    } else {
      return new Missing(`{{${where}}} (${label === '' ? 'value' : label} is not a map)`);
    }
  }
  return v;
}

function evalArg(ctx: EvalCtx, scope: Scope, dot: unknown, a: Arg): unknown {
  switch (a.k) {
    case 'lit':
      return a.v;
    case 'dot':
      return dot;
    case 'field':
      return walkPath(dot, a.path, '');
    case 'var':
      return walkPath(lookupVar(ctx, scope, a.name), a.path, a.name);
    case 'sub':
      return evalPipe(ctx, scope, dot, a.pipe);
    case 'fn':
      return FUNCS[a.name]!(ctx, []);
  }
}

function evalPipe(ctx: EvalCtx, scope: Scope, dot: unknown, p: Pipeline): unknown {
  ctx.line = p.line;
  let prev: unknown;
  let first = true;
  for (const cmd of p.cmds) {
    const [head, ...rest] = cmd as [Arg, ...Arg[]];
    if (head.k === 'fn') {
      const args = rest.map((r) => evalArg(ctx, scope, dot, r));
      if (!first) args.push(prev);
      // `and`/`or`/`not`/`default`/`eq` see missing values as nil-like; everything else must have one.
      prev = FUNCS[head.name]!(ctx, args);
    } else {
      if (rest.length > 0) fail(ctx, `can't give arguments to a non-function value`);
      if (!first) fail(ctx, `can't pipe into a non-function value`);
      prev = evalArg(ctx, scope, dot, head);
    }
    first = false;
  }
  if (p.decl.length > 0) {
    const name = p.decl[0]!;
    if (p.assign) {
      const frame = [...scope].reverse().find((f) => f.has(name));
      if (!frame) fail(ctx, `undefined variable "${name}"`);
      frame.set(name, prev);
    } else scope[scope.length - 1]!.set(name, prev);
  }
  return prev;
}

function iterate(ctx: EvalCtx, v: unknown): [unknown, unknown][] {
  if (v instanceof Missing || v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.map((x, i) => [i, x]);
  if (typeof v === 'number') return Array.from({ length: Math.max(0, Math.trunc(v)) }, (_, i) => [i, i]);
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]);
  }
  return fail(ctx, `range can't iterate over ${goPrint(v)}`);
}

function exec(ctx: EvalCtx, scope: Scope, dot: unknown, nodes: Node[], out: Sink): void {
  for (const node of nodes) {
    switch (node.n) {
      case 'text':
        out.push(node.v);
        break;
      case 'out': {
        const v = evalPipe(ctx, scope, dot, node.pipe);
        if (node.pipe.decl.length === 0) out.push(goPrint(present(ctx, v)));
        break;
      }
      case 'if': {
        const inner: Scope = [...scope, new Map()];
        const hit = node.branches.find((b) => truth(evalPipe(ctx, inner, dot, b.cond)));
        exec(ctx, inner, dot, hit ? hit.body : node.otherwise, out);
        break;
      }
      case 'with': {
        const inner: Scope = [...scope, new Map()];
        const v = evalPipe(ctx, inner, dot, node.pipe);
        if (truth(v)) exec(ctx, inner, v, node.body, out);
        else exec(ctx, inner, dot, node.otherwise, out);
        break;
      }
      case 'range': {
        const decl = node.pipe.decl;
        const items = iterate(ctx, evalPipe(ctx, scope, dot, { ...node.pipe, decl: [] }));
        if (items.length === 0) {
          exec(ctx, [...scope, new Map()], dot, node.otherwise, out);
          break;
        }
        for (const [k, v] of items) {
          const frame = new Map<string, unknown>();
          if (decl.length === 1) frame.set(decl[0]!, v);
          if (decl.length === 2) {
            frame.set(decl[0]!, k);
            frame.set(decl[1]!, v);
          }
          exec(ctx, [...scope, frame], v, node.body, out);
        }
        break;
      }
    }
  }
}

/** True when the text holds template actions at all (plain gossfiles skip the engine). */
function hasActions(text: string): boolean {
  return text.includes('{{');
}

/** Render a gossfile template. Throws TemplateError (exit 78) naming file:line. */
export function renderTemplate(
  text: string,
  file: string,
  data: TemplateData,
  opts: RenderOptions = {},
): string {
  if (!hasActions(text)) return text;
  const nodes = parse(text, file);
  const reveal = opts.onHostValue ?? (() => {});
  const ctx: EvalCtx = {
    file,
    line: 1,
    cwd: opts.cwd ?? process.cwd(),
    env: data.Env,
    reveal,
  };
  // .Env behaves like goss's map[string]string: a missing variable is "", not an error.
  const env = new Proxy(data.Env, {
    get: (t, k) => {
      if (typeof k !== 'string') return undefined;
      const v = t[k] ?? '';
      if (v) reveal(`$${k}`, v);
      return v;
    },
    has: () => true,
    getOwnPropertyDescriptor: (t, k) =>
      typeof k === 'string'
        ? { value: t[k] ?? '', writable: false, enumerable: k in t, configurable: true }
        : undefined,
  });
  const root = { Vars: data.Vars, Env: env };
  const out = new Sink(opts.maxBytes ?? Number.POSITIVE_INFINITY, () =>
    fail(ctx, `rendered text is larger than the limit of ${opts.maxBytes} bytes (see docs/suites.md#limits)`),
  );
  exec(ctx, [new Map([['$', root]])], root, nodes, out);
  return out.text();
}

/** Rendered text with a size cap, so a `range` inside a `range` cannot exhaust memory. */
class Sink {
  private readonly parts: string[] = [];
  private length = 0;
  constructor(
    private readonly max: number,
    private readonly overflow: () => never,
  ) {}
  push(s: string): void {
    this.length += s.length;
    if (this.length > this.max) this.overflow();
    this.parts.push(s);
  }
  text(): string {
    return this.parts.join('');
  }
}
