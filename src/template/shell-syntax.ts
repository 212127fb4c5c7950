/**
 * A small reader for the POSIX/bash shell lint needs: statements, pipelines, `&&`/`||` lists,
 * compound commands, words with their quoting and expansions, redirections and heredocs. It
 * builds a tree just deep enough for src/template/shell-commands.ts to list commands; it does
 * not expand, evaluate or judge anything. It replaced the tree-sitter-bash grammar, whose
 * cold wasm compile cost a one-file lint more than the whole `packer fmt` (bench/RESULTS.md,
 * "Shell reader"), and keeps that grammar's reading where lint's findings depend on it
 * (noted where it differs from bash).
 *
 * Never throws: unclosed quotes, substitutions and heredocs run to the end of the text, and a
 * word or token out of place is skipped. Nesting deeper than MAX_NESTING stops the read there
 * with one error, so no input can exhaust the stack.
 */

export const MAX_NESTING = 256;

export interface Span {
  start: number;
  end: number;
}

/** One shell word as written, from `start` to `end`. */
export interface Word extends Span {
  /** Its value with quotes and escapes removed; undefined when an expansion makes it dynamic. */
  value: string | undefined;
  /** The whole word is one quoted string: `'…'` (single) or `"…"` (double). */
  quoted: 'single' | 'double' | undefined;
  /** Command, process substitutions and expansions holding them, in order. */
  subs: ShellNode[];
}

export type ShellNode =
  | (Span & { type: 'command'; name: Word; args: Word[]; subs: ShellNode[] })
  | (Span & { type: 'declaration'; keyword: string; args: Span[]; subs: ShellNode[] })
  | (Span & { type: 'pipeline'; stages: ShellNode[] })
  | (Span & { type: 'list'; op: '&&' | '||'; left: ShellNode; right: ShellNode })
  /** A statement with redirections after it; `inner` holds what the redirections contain. */
  | (Span & { type: 'redirected'; body: ShellNode | undefined; inner: ShellNode[] })
  | (Span & { type: 'test'; subs: ShellNode[] })
  /**
   * Everything else that only holds statements: if/while/until/case and `!` (`guarding`: a
   * failure inside them does not fail the script), for, functions, `{ }`, `( )`, `(( ))`,
   * substitutions, bare assignments, `unset`.
   */
  | (Span & { type: 'block'; guarding: boolean; children: ShellNode[] });

export interface ShellTree {
  root: ShellNode;
  comments: Span[];
  errors: { message: string; at: number }[];
}

const DECLARATIONS = new Set(['declare', 'typeset', 'export', 'readonly', 'local']);
/** Characters that end an unquoted word. */
const BREAK = new Set([' ', '\t', '\n', '\r', ';', '&', '|', '<', '>', '(', ')']);
const REDIRECT = /^(?:[0-9]+|\{[A-Za-z_][A-Za-z0-9_]*\})?(?:<<<|<<-|<<|&>>|&>|>>|<&-|>&-|<&|>&|>\||<>|<|>)/;

interface Heredoc {
  delimiter: string;
  raw: boolean;
  indent: boolean;
  owner: ShellNode & { type: 'redirected' };
}

export function parseShell(source: string): ShellTree {
  return new Reader(source).read();
}

class Reader {
  private i = 0;
  private depth = 0;
  private readonly comments: Span[] = [];
  private readonly commentAt = new Set<number>();
  private readonly errors: { message: string; at: number }[] = [];
  private pending: Heredoc[] = [];
  /** Inside `` `…` ``: a backquote ends the word it meets. */
  private backquotes = 0;

  constructor(private readonly s: string) {}

  read(): ShellTree {
    const children = this.statements(new Set());
    const root: ShellNode = { type: 'block', guarding: false, children, start: 0, end: this.s.length };
    this.comments.sort((a, b) => a.start - b.start);
    return { root, comments: this.comments, errors: this.errors };
  }

  // ---- statements -------------------------------------------------------------------------

  /** Statements up to a stop (a closing character or keyword in `stops`) or the end. */
  private statements(stops: Set<string>): ShellNode[] {
    const out: ShellNode[] = [];
    if (!this.enter()) return out;
    try {
      while (this.i < this.s.length) {
        this.space(true);
        const c = this.s[this.i];
        if (c === undefined) break;
        if (c === ';' || c === '&') {
          // `;;` outside `case` or a stray separator.
          if (stops.has(';;') && c === ';' && this.s[this.i + 1] === ';') break;
          this.i++;
          continue;
        }
        if (this.atStop(stops)) break;
        const before = this.i;
        const st = this.andOr();
        if (st !== undefined) out.push(st);
        if (this.i === before) {
          // Not a statement (a stray `)`, `}`, keyword): skip it as tree-sitter's recovery would.
          this.i += this.s.startsWith('fi', this.i) || this.s.startsWith('do', this.i) ? 2 : 1;
        }
      }
      return out;
    } finally {
      this.depth--;
    }
  }

  private atStop(stops: Set<string>): boolean {
    const c = this.s[this.i]!;
    if (c === ')' || c === '`') return stops.has(c);
    if (c === ';') return stops.has(';;') && this.s[this.i + 1] === ';';
    const word = this.keyword();
    return word !== undefined && stops.has(word);
  }

  /** The reserved word at the cursor, if one stands there (followed by a break). */
  private keyword(at = this.i): string | undefined {
    const m = /^(?:[a-z]+|\{|\}|\[\[|\[|!|\(\()/.exec(this.s.slice(at, at + 10));
    if (m === null) return undefined;
    const next = this.s[at + m[0].length];
    if (m[0] === '((') return m[0];
    if (next !== undefined && !BREAK.has(next) && next !== '`') return undefined;
    return m[0];
  }

  private andOr(): ShellNode | undefined {
    let left = this.pipeline();
    if (left === undefined) return undefined;
    for (;;) {
      this.space(false);
      const op = this.s.slice(this.i, this.i + 2);
      if (op !== '&&' && op !== '||') return left;
      this.i += 2;
      this.space(true);
      const right = this.pipeline();
      if (right === undefined) return left;
      left = { type: 'list', op, left, right, start: left.start, end: right.end };
    }
  }

  private pipeline(): ShellNode | undefined {
    const first = this.command();
    if (first === undefined) return undefined;
    const stages = [first];
    for (;;) {
      this.space(false);
      if (this.s[this.i] !== '|' || this.s[this.i + 1] === '|') break;
      this.i += this.s[this.i + 1] === '&' ? 2 : 1;
      this.space(true);
      const next = this.command();
      if (next === undefined) break;
      stages.push(next);
    }
    if (stages.length === 1) return first;
    return { type: 'pipeline', stages, start: first.start, end: stages[stages.length - 1]!.end };
  }

  /** One command or compound command, with the redirections after it. */
  private command(): ShellNode | undefined {
    if (!this.enter()) return undefined;
    try {
      this.space(false);
      const node = this.bareCommand();
      return node === undefined ? undefined : this.redirections(node);
    } finally {
      this.depth--;
    }
  }

  private bareCommand(): ShellNode | undefined {
    const start = this.i;
    const word = this.keyword();
    switch (word) {
      case 'if':
        return this.ifStatement(start);
      case 'while':
      case 'until':
        return this.whileStatement(start, word.length);
      case 'for':
      case 'select':
        return this.forStatement(start, word.length);
      case 'case':
        return this.caseStatement(start);
      case 'function':
        return this.functionKeyword(start);
      case '{': {
        this.i++;
        const children = this.statements(new Set(['}']));
        if (this.keyword() === '}') this.i++;
        return this.block(false, children, start);
      }
      case '[':
      case '[[':
        return this.test(start, word);
      case '!': {
        this.i++;
        this.space(false);
        const inner = this.command();
        return this.block(true, inner === undefined ? [] : [inner], start);
      }
      case '((': {
        const subs: ShellNode[] = [];
        this.arithmetic(this.i + 2, subs);
        return this.block(false, subs, start);
      }
      case 'unset':
      case 'unsetenv':
        return this.declaration(start, word, true);
      default:
        if (word !== undefined && DECLARATIONS.has(word)) return this.declaration(start, word, false);
    }
    if (this.s[this.i] === '(') {
      this.i++;
      const children = this.statements(new Set([')']));
      if (this.s[this.i] === ')') this.i++;
      return this.block(false, children, start);
    }
    return this.simpleCommand();
  }

  private block(guarding: boolean, children: ShellNode[], start: number): ShellNode {
    return { type: 'block', guarding, children, start, end: this.i };
  }

  /** Expect a reserved word (after separators); a missing one is left to the caller's end. */
  private expect(word: string): boolean {
    this.space(true);
    if (this.keyword() !== word) return false;
    this.i += word.length;
    return true;
  }

  private ifStatement(start: number): ShellNode {
    this.i += 2;
    const children = this.statements(new Set(['then']));
    for (;;) {
      if (!this.expect('then')) break;
      children.push(...this.statements(new Set(['elif', 'else', 'fi'])));
      if (this.expect('elif')) {
        children.push(...this.statements(new Set(['then'])));
        continue;
      }
      if (this.expect('else')) children.push(...this.statements(new Set(['fi'])));
      break;
    }
    this.expect('fi');
    return this.block(true, children, start);
  }

  private whileStatement(start: number, length: number): ShellNode {
    this.i += length;
    const children = this.statements(new Set(['do']));
    children.push(...this.doGroup());
    return this.block(true, children, start);
  }

  private doGroup(): ShellNode[] {
    this.space(true);
    while (this.s[this.i] === ';' || this.s[this.i] === '&') {
      this.i++;
      this.space(true);
    }
    if (!this.expect('do')) return [];
    const body = this.statements(new Set(['done']));
    this.expect('done');
    return body;
  }

  private forStatement(start: number, length: number): ShellNode {
    this.i += length;
    this.space(false);
    const children: ShellNode[] = [];
    if (this.s.startsWith('((', this.i)) {
      this.arithmetic(this.i + 2, children);
      this.space(false);
      if (this.s[this.i] === ';') this.i++;
      this.space(true);
      if (this.s[this.i] === '{') {
        children.push(this.bareCommand()!);
        return this.block(false, children, start);
      }
    } else {
      this.word();
      this.space(false);
      if (this.keyword() === 'in') {
        this.i += 2;
        for (;;) {
          this.space(false);
          const w = this.word();
          if (w === undefined) break;
          children.push(...w.subs);
        }
      }
    }
    children.push(...this.doGroup());
    return this.block(false, children, start);
  }

  private caseStatement(start: number): ShellNode {
    this.i += 4;
    this.space(false);
    const children: ShellNode[] = [...(this.word()?.subs ?? [])];
    this.space(true);
    if (this.keyword() === 'in') this.i += 2;
    for (;;) {
      this.space(true);
      if (this.i >= this.s.length || this.keyword() === 'esac') break;
      // Patterns: `(a|b)`, `a|b)`, up to the `)`.
      if (this.s[this.i] === '(') this.i++;
      for (;;) {
        this.space(false);
        const w = this.word();
        if (w !== undefined) children.push(...w.subs);
        this.space(false);
        const c = this.s[this.i];
        if (c === '|') this.i++;
        else if (c === ')' || c === undefined || w === undefined) break;
      }
      if (this.s[this.i] === ')') this.i++;
      else if (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
      children.push(...this.statements(new Set([';;', 'esac'])));
      if (this.s.startsWith(';;&', this.i)) this.i += 3;
      else if (this.s.startsWith(';;', this.i) || this.s.startsWith(';&', this.i)) this.i += 2;
    }
    this.expect('esac');
    return this.block(true, children, start);
  }

  private functionKeyword(start: number): ShellNode {
    this.i += 8;
    this.space(false);
    this.word();
    this.space(false);
    if (this.s.startsWith('()', this.i)) this.i += 2;
    return this.functionBody(start);
  }

  private functionBody(start: number): ShellNode {
    this.space(true);
    const body = this.bareCommand();
    return this.block(false, body === undefined ? [] : [body], start);
  }

  /** `[ … ]` and `[[ … ]]`: read to the closing bracket; only substitutions inside matter. */
  private test(start: number, open: string): ShellNode {
    this.i += open.length;
    const close = open === '[' ? ']' : ']]';
    const subs: ShellNode[] = [];
    for (;;) {
      this.space(false);
      if (this.s.startsWith(close, this.i) && this.keyword(this.i) !== undefined) {
        this.i += close.length;
        break;
      }
      if (this.s.startsWith(close, this.i)) {
        const after = this.s[this.i + close.length];
        if (after === undefined || BREAK.has(after)) {
          this.i += close.length;
          break;
        }
      }
      const c = this.s[this.i];
      if (c === undefined || c === '\n' || c === ';') break;
      const w = this.word();
      if (w !== undefined) {
        subs.push(...w.subs);
        continue;
      }
      if (open === '[' && (c === '&' || c === '|' || c === ')')) break;
      if (c === '<' || c === '>') {
        const r = this.redirect();
        if (r !== undefined) {
          subs.push(...r);
          continue;
        }
      }
      this.i++;
    }
    return { type: 'test', subs, start, end: this.i };
  }

  private declaration(start: number, keyword: string, unset: boolean): ShellNode {
    this.i += keyword.length;
    const args: Span[] = [];
    const subs: ShellNode[] = [];
    for (;;) {
      this.space(false);
      if (this.atRedirect()) break;
      const a = this.assignment();
      if (a !== undefined) {
        args.push(a);
        subs.push(...a.subs);
        continue;
      }
      const w = this.word();
      if (w === undefined) break;
      args.push(w);
      subs.push(...w.subs);
    }
    const end = args[args.length - 1]?.end ?? start + keyword.length;
    if (unset) return { type: 'block', guarding: false, children: subs, start, end };
    return { type: 'declaration', keyword, args, subs, start, end };
  }

  private simpleCommand(): ShellNode | undefined {
    const start = this.i;
    const subs: ShellNode[] = [];
    let end = start;
    // Leading assignments and redirections belong to the command.
    for (;;) {
      const a = this.assignment();
      if (a !== undefined) {
        subs.push(...a.subs);
        end = a.end;
      } else if (this.atRedirect()) {
        const r = this.redirect(undefined, true);
        if (r === undefined) break;
        subs.push(...r);
        end = this.i;
      } else break;
      this.space(false);
    }
    const name = this.word();
    if (name === undefined) {
      if (end === start) return undefined;
      return { type: 'block', guarding: false, children: subs, start, end };
    }
    subs.push(...name.subs);
    // `name() { … }`
    const save = this.i;
    this.space(false);
    if (this.s[this.i] === '(') {
      this.i++;
      this.space(false);
      if (this.s[this.i] === ')') {
        this.i++;
        return this.functionBody(start);
      }
    }
    this.i = save;
    const args: Word[] = [];
    end = name.end;
    for (;;) {
      this.space(false);
      if (this.atRedirect()) {
        // A here-string stays in the command; any other redirection ends it.
        if (!/^[0-9]*<<</.test(this.s.slice(this.i, this.i + 8))) break;
        const r = this.redirect();
        if (r === undefined) break;
        subs.push(...r);
        end = this.i;
        continue;
      }
      const w = this.word();
      if (w === undefined) break;
      args.push(w);
      subs.push(...w.subs);
      end = w.end;
    }
    this.i = Math.max(this.i, end);
    return { type: 'command', name, args, subs, start, end };
  }

  /** Redirections after a statement, and for heredocs what follows them on the line. */
  private redirections(node: ShellNode): ShellNode {
    let out: (ShellNode & { type: 'redirected' }) | undefined;
    for (;;) {
      const save = this.i;
      this.space(false);
      if (!this.atRedirect()) {
        this.i = save;
        return out ?? node;
      }
      out ??= { type: 'redirected', body: node, inner: [], start: node.start, end: node.end };
      const heredocs = this.pending.length;
      const subs = this.redirect(out);
      if (subs === undefined) {
        this.i = save;
        return out;
      }
      out.inner.push(...subs);
      out.end = Math.max(out.end, this.i);
      if (this.pending.length > heredocs) this.heredocTail(out);
    }
  }

  /** tree-sitter-bash reads `| cmd`, `&& cmd` and words after `<<EOF` as part of the heredoc. */
  private heredocTail(out: ShellNode & { type: 'redirected' }): void {
    this.space(false);
    const c = this.s[this.i];
    const two = this.s.slice(this.i, this.i + 2);
    if (two === '&&' || two === '||') {
      this.i += 2;
      this.space(true);
      const right = this.andOr();
      if (right !== undefined) out.inner.push(right);
    } else if (c === '|') {
      const start = this.i;
      this.i += this.s[this.i + 1] === '&' ? 2 : 1;
      this.space(true);
      const st = this.andOr();
      if (st !== undefined) out.inner.push({ type: 'pipeline', stages: [st], start, end: st.end });
    } else {
      for (;;) {
        this.space(false);
        if (this.atRedirect()) return;
        const w = this.word();
        if (w === undefined) return;
        out.inner.push(...w.subs);
      }
    }
    out.end = Math.max(out.end, this.i);
  }

  private atRedirect(): boolean {
    const c = this.s[this.i];
    if (c === undefined) return false;
    if ((c === '<' || c === '>') && this.s[this.i + 1] === '(') return false;
    if (c !== '<' && c !== '>' && c !== '&' && !/[0-9{]/.test(c)) return false;
    return REDIRECT.test(this.s.slice(this.i, this.i + 40));
  }

  /** One redirection at the cursor: the substitutions its words hold. */
  private redirect(owner?: ShellNode & { type: 'redirected' }, single = false): ShellNode[] | undefined {
    const m = REDIRECT.exec(this.s.slice(this.i, this.i + 40));
    if (m === null) return undefined;
    const op = m[0].replace(/^[0-9]+|^\{[^}]*\}/, '');
    this.i += m[0].length;
    const subs: ShellNode[] = [];
    this.space(false);
    if (op === '<<' || op === '<<-') {
      const w = this.word();
      if (w === undefined) return subs;
      const written = this.s.slice(w.start, w.end);
      const delimiter = written.replace(/['"\\]/g, '');
      const doc: Heredoc = {
        delimiter,
        raw: /^['"\\]/.test(written),
        indent: op === '<<-',
        owner: owner ?? { type: 'redirected', body: undefined, inner: subs, start: w.start, end: w.end },
      };
      this.pending.push(doc);
      return subs;
    }
    if (op === '<&-' || op === '>&-') {
      const w = this.word();
      if (w !== undefined) subs.push(...w.subs);
      return subs;
    }
    if (op === '<<<') {
      const w = this.word();
      if (w !== undefined) subs.push(...w.subs);
      return subs;
    }
    // After a command, tree-sitter-bash's file redirect takes every word after it as its
    // destination (`echo a > f b` is `echo a`); before the name, one word.
    let end = this.i;
    for (;;) {
      const w = this.word();
      if (w === undefined) break;
      subs.push(...w.subs);
      end = this.i;
      if (single) break;
      this.space(false);
      if (this.atRedirect() || this.s[this.i] === '#') break;
    }
    this.i = end;
    return subs;
  }

  /** `NAME=value`, `NAME+=value`, `NAME[i]=value`, `NAME=(a b)`. */
  private assignment(): (Span & { subs: ShellNode[] }) | undefined {
    const m = /^[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]\n]*\])?\+?=/.exec(this.s.slice(this.i, this.i + 256));
    if (m === null) return undefined;
    const start = this.i;
    this.i += m[0].length;
    const subs: ShellNode[] = [];
    if (this.s[this.i] === '(') {
      this.i++;
      for (;;) {
        this.space(true);
        if (this.s[this.i] === ')') {
          this.i++;
          break;
        }
        const w = this.word();
        if (w === undefined) break;
        subs.push(...w.subs);
      }
    } else {
      const w = this.word(true);
      if (w !== undefined) subs.push(...w.subs);
    }
    return { start, end: this.i, subs };
  }

  // ---- blanks, comments, heredocs ---------------------------------------------------------

  /**
   * Skip blanks, line continuations and comments; with `newlines`, newlines too (reading any
   * heredoc bodies due after them).
   */
  private space(newlines: boolean): void {
    const s = this.s;
    for (;;) {
      const c = s[this.i];
      if (c === ' ' || c === '\t' || c === '\r' || c === '\v' || c === '\f') this.i++;
      else if (c === '\\' && s[this.i + 1] === '\n') this.i += 2;
      else if (c === '\\' && s[this.i + 1] === '\r' && s[this.i + 2] === '\n') this.i += 3;
      else if (c === '#') {
        const nl = s.indexOf('\n', this.i);
        const end = nl === -1 ? s.length : nl;
        // A statement's end is looked for more than once: each comment is kept once.
        if (!this.commentAt.has(this.i)) {
          this.commentAt.add(this.i);
          this.comments.push({ start: this.i, end });
        }
        this.i = end;
      } else if (c === '\n' && newlines) {
        this.i++;
        this.heredocBodies();
      } else return;
    }
  }

  /** After a newline: the bodies of the heredocs started on the line before, in order. */
  private heredocBodies(): void {
    const docs = this.pending;
    if (docs.length === 0) return;
    this.pending = [];
    for (const doc of docs) {
      const bodyStart = this.i;
      let end = this.s.length;
      let next = this.s.length;
      let at = this.i;
      while (at < this.s.length) {
        const nl = this.s.indexOf('\n', at);
        const lineEnd = nl === -1 ? this.s.length : nl;
        let line = this.s.slice(at, lineEnd);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if ((doc.indent ? line.replace(/^\t+/, '') : line) === doc.delimiter) {
          end = at;
          next = lineEnd;
          break;
        }
        at = lineEnd + 1;
      }
      if (!doc.raw) this.heredocSubs(bodyStart, end, doc.owner.inner);
      this.i = next;
      doc.owner.end = Math.max(doc.owner.end, next);
      // The newline after the delimiter starts the next heredoc's body, if any.
      if (this.s[this.i] === '\n' && doc !== docs[docs.length - 1]) this.i++;
    }
  }

  /** `$(…)` and `${…}` in a heredoc body: backquotes there are text to tree-sitter-bash. */
  private heredocSubs(start: number, end: number, into: ShellNode[]): void {
    const saved = this.i;
    let at = start;
    while (at < end) {
      const c = this.s[at];
      if (c === '\\') at += 2;
      else if (c === '$' && (this.s[at + 1] === '(' || this.s[at + 1] === '{')) {
        this.i = at;
        const w = this.dollar(into, 'heredoc');
        if (w === undefined) at++;
        else at = Math.max(this.i, at + 1);
      } else at++;
    }
    this.i = saved;
  }

  // ---- words ------------------------------------------------------------------------------

  /**
   * The word at the cursor, or undefined when none starts there (an operator, a newline, a
   * comment). `hash`: a `#` may start it (an assignment's value).
   */
  private word(hash = false): Word | undefined {
    const s = this.s;
    const start = this.i;
    if (this.i >= s.length) return undefined;
    if (s[this.i] === '#' && !hash) return undefined;
    let value: string | undefined = '';
    const subs: ShellNode[] = [];
    let parts = 0;
    let quoted: Word['quoted'];
    for (;;) {
      const c = s[this.i];
      if (c === undefined) break;
      if ((c === '<' || c === '>') && s[this.i + 1] === '(') {
        const open = this.i;
        this.i += 2;
        const children = this.statements(new Set([')']));
        if (s[this.i] === ')') this.i++;
        subs.push({ type: 'block', guarding: false, children, start: open, end: this.i });
        value = undefined;
        parts++;
        continue;
      }
      if (BREAK.has(c) || (c === '`' && this.backquotes > 0)) break;
      parts++;
      if (c === '\\') {
        if (s[this.i + 1] === '\n') {
          this.i += 2;
          continue;
        }
        if (value !== undefined) value += s[this.i + 1] ?? '';
        this.i += 2;
      } else if (c === "'") {
        const close = s.indexOf("'", this.i + 1);
        const end = close === -1 ? s.length : close;
        if (value !== undefined) value += s.slice(this.i + 1, end);
        this.i = Math.min(s.length, end + 1);
        quoted = 'single';
      } else if (c === '"') {
        const v = this.doubleQuoted(subs);
        value = value === undefined || v === undefined ? undefined : value + v;
        quoted = 'double';
      } else if (c === '`') {
        this.backquoted(subs);
        value = undefined;
      } else if (c === '{' && /^\{[0-9]+\.\.[0-9]+\}/.test(s.slice(this.i, this.i + 40))) {
        // `{1..64}`: a sequence bash expands into many words.
        this.i = s.indexOf('}', this.i) + 1;
        value = undefined;
      } else if (c === '$') {
        const dynamic = this.dollar(
          subs,
          'word',
          this.i === start && (s[this.i + 1] === undefined || BREAK.has(s[this.i + 1]!)),
        );
        if (dynamic) value = undefined;
      } else {
        if (value !== undefined) value += c;
        this.i++;
      }
    }
    if (this.i === start) return undefined;
    return { start, end: this.i, value, quoted: parts === 1 ? quoted : undefined, subs };
  }

  /** `"…"` at the cursor: its static value, or undefined when it holds an expansion. */
  private doubleQuoted(subs: ShellNode[]): string | undefined {
    const s = this.s;
    this.i++;
    let value: string | undefined = '';
    for (;;) {
      const c = s[this.i];
      if (c === undefined) return value;
      if (c === '"') {
        this.i++;
        return value;
      }
      if (c === '\\') {
        const next = s[this.i + 1] ?? '';
        if (value !== undefined) value += '$`"\\\n'.includes(next) ? next : `\\${next}`;
        this.i += 2;
      } else if (c === '`') {
        if (this.backquotes > 0) return value;
        this.backquoted(subs);
        value = undefined;
      } else if (c === '$') {
        if (this.dollar(subs, 'string')) value = undefined;
      } else {
        if (value !== undefined) value += c;
        this.i++;
      }
    }
  }

  private backquoted(subs: ShellNode[]): void {
    const start = this.i;
    this.i++;
    this.backquotes++;
    const children = this.statements(new Set(['`']));
    this.backquotes--;
    if (this.s[this.i] === '`') this.i++;
    subs.push({ type: 'block', guarding: false, children, start, end: this.i });
  }

  /**
   * An expansion at a `$`: true when it is one (the word is then dynamic). A `$` that starts
   * none is tree-sitter-bash's bare dollar, which adds nothing to the value.
   */
  private dollar(subs: ShellNode[], where: 'word' | 'string' | 'heredoc', alone = false): boolean {
    const s = this.s;
    const start = this.i;
    const next = s[this.i + 1];
    if (next === '(' && s[this.i + 2] === '(') {
      this.arithmetic(this.i + 3, subs);
      return true;
    }
    if (next === '(') {
      this.i += 2;
      const children = this.statements(new Set([')']));
      if (s[this.i] === ')') this.i++;
      subs.push({ type: 'block', guarding: false, children, start, end: this.i });
      return true;
    }
    if (next === '{') {
      this.braces(subs);
      return true;
    }
    if (where === 'heredoc') return false;
    if (next === "'" && where === 'word') {
      let at = this.i + 2;
      while (at < s.length && s[at] !== "'") at += s[at] === '\\' ? 2 : 1;
      this.i = Math.min(s.length, at + 1);
      return true;
    }
    if (next === '"' && where === 'word') {
      this.i++;
      this.doubleQuoted(subs);
      return true;
    }
    if (next === '[') {
      const close = s.indexOf(']', this.i);
      this.i = close === -1 ? s.length : close + 1;
      return true;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9*@#?$!_-]/.exec(s.slice(this.i + 1, this.i + 200));
    if (name !== null) {
      this.i += 1 + name[0].length;
      return true;
    }
    this.i++;
    // A bare `$`: tree-sitter-bash drops it from a value (`"^mesg n$/"`, `foo$`), but keeps a
    // word of `$` alone as written and reads `"$ x"` as dynamic.
    if (where === 'string') return next === ' ' || next === '\t' || next === '\n';
    return alone;
  }

  /** `${…}` at the cursor, with any substitutions inside. */
  private braces(subs: ShellNode[]): void {
    if (!this.enter()) return;
    try {
      const s = this.s;
      this.i += 2;
      while (this.i < s.length) {
        const c = s[this.i];
        if (c === '}') {
          this.i++;
          return;
        }
        if (c === '\\') this.i += 2;
        else if (c === "'") {
          const close = s.indexOf("'", this.i + 1);
          this.i = close === -1 ? s.length : close + 1;
        } else if (c === '"') this.doubleQuoted(subs);
        else if (c === '`') this.backquoted(subs);
        else if (c === '$') {
          if (!this.dollar(subs, 'word')) continue;
        } else this.i++;
      }
    } finally {
      this.depth--;
    }
  }

  /** `((…))` from `from` (just inside): to the closing `))`, with substitutions inside. */
  private arithmetic(from: number, subs: ShellNode[]): void {
    const s = this.s;
    this.i = from;
    let depth = 0;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '(') depth++;
      else if (c === ')') {
        if (depth === 0) {
          this.i += s[this.i + 1] === ')' ? 2 : 1;
          return;
        }
        depth--;
      } else if (c === '$' && s[this.i + 1] === '(' && s[this.i + 2] !== '(') {
        this.dollar(subs, 'word');
        continue;
      } else if (c === '`') {
        this.backquoted(subs);
        continue;
      }
      this.i++;
    }
  }

  /** One level deeper; false (with one error, and the rest of the text skipped) past the cap. */
  private enter(): boolean {
    if (this.depth >= MAX_NESTING) {
      if (this.errors.length === 0) {
        this.errors.push({
          message: `shell nested deeper than ${MAX_NESTING} levels: the commands inside are not checked; flatten it`,
          at: this.i,
        });
      }
      this.i = this.s.length;
      return false;
    }
    this.depth++;
    return true;
  }
}
