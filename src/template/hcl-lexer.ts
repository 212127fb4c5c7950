import type { Position } from './model.js';
import { LineIndex, span } from './position.js';

export interface Comment {
  text: string;
  pos: Position;
}

export interface SyntaxProblem {
  message: string;
  pos: Position;
}

/**
 * Token kinds of HCL2's native syntax. Quoted strings and heredocs are not single tokens: the
 * lexer stops at their opening (`"`, `<<` / `<<-`) and the parser reads the template content
 * character by character, lexing again inside each `${ … }`.
 */
export type Tok =
  | 'ident'
  | 'number'
  | 'quote'
  | 'heredoc'
  | 'nl'
  | 'eof'
  | 'bad'
  | '{'
  | '}'
  | '['
  | ']'
  | '('
  | ')'
  | '='
  | ':'
  | ','
  | '.'
  | '?'
  | '!'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | ';'
  | '~'
  | '<'
  | '>'
  | '<='
  | '>='
  | '=='
  | '!='
  | '&&'
  | '||'
  | '=>'
  | '...';

const SINGLE: Record<string, Tok> = {
  '{': '{',
  '}': '}',
  '[': '[',
  ']': ']',
  '(': '(',
  ')': ')',
  '=': '=',
  ':': ':',
  ',': ',',
  '.': '.',
  '?': '?',
  '!': '!',
  '+': '+',
  '-': '-',
  '*': '*',
  '/': '/',
  '%': '%',
  ';': ';',
  '~': '~',
  '<': '<',
  '>': '>',
};

const DOUBLE: Record<string, Tok> = {
  '<=': '<=',
  '>=': '>=',
  '==': '==',
  '!=': '!=',
  '&&': '&&',
  '||': '||',
  '=>': '=>',
};

const ID_START = /\p{ID_Start}/u;
const ID_CONTINUE = /\p{ID_Continue}/u;

function isIdentStart(c: number, ch: string): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c > 127 && ID_START.test(ch));
}

/** HCL identifiers may hold `-` (`amazon-ebs`, `Git-SHA`); `a - b` needs the spaces. */
export function isIdentPart(c: number, ch: string): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95 ||
    c === 45 ||
    (c > 127 && ID_CONTINUE.test(ch))
  );
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Deeper nesting than this stops the parse of a file (no template needs it; the stack does). */
const MAX_NESTING = 256;

/** Thrown when nesting passes MAX_NESTING; the parser reports it and keeps what it read. */
export class TooDeep extends Error {
  constructor(readonly at: number) {
    super(`nesting deeper than ${MAX_NESTING} levels`);
  }
}

/**
 * A one-token-lookahead lexer over one file. `pos` only moves when a token is taken, so a
 * change of newline mode (newlines end arguments in bodies and objects, are mere space inside
 * brackets) simply drops the looked-ahead token and lexes it again. Comments are kept by
 * offset, so lexing a stretch twice records them once.
 */
export class Lexer {
  readonly lines: LineIndex;
  /** Offset just past the last token taken. */
  pos = 0;
  /** The looked-ahead token: kind and [start, end). */
  kind: Tok | null = null;
  start = 0;
  end = 0;
  /** Start and end of the last token taken. */
  lastStart = 0;
  lastEnd = 0;
  readonly errors: SyntaxProblem[] = [];
  /** Errors that mean the parse had to recover (layout rules are not judged after one). */
  recovered = 0;
  private readonly comments = new Map<number, Comment>();
  private readonly modes: boolean[] = [true];
  private quiet = 0;
  private depth = 0;
  /** Inside one argument only its first error is news; the rest follow from it. */
  private statement: { errored: boolean } | null = null;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.lines = new LineIndex(text);
  }

  peek(): Tok {
    if (this.kind === null) this.scan();
    return this.kind as Tok;
  }

  /** Take the looked-ahead token. */
  take(): void {
    this.peek();
    this.lastStart = this.start;
    this.lastEnd = this.end;
    this.pos = this.end;
    this.kind = null;
  }

  /** Take the next token when it is `kind`. */
  accept(kind: Tok): boolean {
    if (this.peek() !== kind) return false;
    this.take();
    return true;
  }

  /** Newlines are tokens (bodies, objects) or white space (brackets, interpolations). */
  pushNewlines(significant: boolean): void {
    this.modes.push(significant);
    this.kind = null;
  }

  popNewlines(): void {
    this.modes.pop();
    this.kind = null;
  }

  skipNewlines(): void {
    while (this.peek() === 'nl') this.take();
  }

  /** Continue lexing at `offset` (after template text read by hand). */
  moveTo(offset: number): void {
    this.pos = offset;
    this.kind = null;
  }

  /** Errors while re-reading text only to skip it are not news. */
  muted<T>(fn: () => T): T {
    this.quiet++;
    try {
      return fn();
    } finally {
      this.quiet--;
    }
  }

  span(start: number, end: number): Position {
    return span(this.file, this.lines, start, end);
  }

  slice(start: number, end: number): string {
    return this.text.slice(start, end);
  }

  /** One level deeper into brackets, blocks or interpolations (the parser recurses). */
  enter(): void {
    if (++this.depth > MAX_NESTING) throw new TooDeep(this.pos);
  }

  leave(): void {
    this.depth--;
  }

  /** Report at most one syntax error while `fn` reads one argument. */
  oneError<T>(fn: () => T): T {
    const outer = this.statement;
    this.statement = { errored: false };
    try {
      return fn();
    } finally {
      this.statement = outer;
    }
  }

  /** A syntax error the parser recovered from. */
  error(message: string, start: number, end: number): void {
    if (this.quiet > 0) return;
    this.recovered++;
    if (this.statement !== null) {
      if (this.statement.errored) return;
      this.statement.errored = true;
    }
    this.errors.push({ message, pos: this.span(start, end) });
  }

  /** A rule HashiCorp's parser enforces on text that otherwise parsed cleanly. */
  problem(message: string, start: number, end: number): void {
    if (this.quiet > 0) return;
    this.errors.push({ message, pos: this.span(start, end) });
  }

  allComments(): Comment[] {
    return [...this.comments.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  }

  /** Record a comment [start, end) as written. */
  private comment(start: number, end: number): void {
    if (!this.comments.has(start)) {
      this.comments.set(start, { text: this.text.slice(start, end), pos: this.span(start, end) });
    }
  }

  private scan(): void {
    const text = this.text;
    const newlines = this.modes[this.modes.length - 1] === true;
    let i = this.pos;
    for (;;) {
      const c = text.charCodeAt(i);
      // A carriage return counts only as part of CRLF; HCL rejects a lone one.
      if (c === 32 || c === 9 || (c === 13 && text.charCodeAt(i + 1) === 10) || (c === 10 && !newlines)) {
        i++;
      } else if (c === 35 || (c === 47 && text.charCodeAt(i + 1) === 47)) {
        let eol = text.indexOf('\n', i);
        if (eol === -1) eol = text.length;
        const end = text.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
        this.comment(i, end);
        i = eol;
      } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
        const close = text.indexOf('*/', i + 2);
        const end = close === -1 ? text.length : close + 2;
        if (close === -1) this.error('a "/*" comment is never closed; add "*/"', i, i + 2);
        this.comment(i, end);
        i = end;
      } else break;
    }
    this.start = i;
    this.kind = this.token(text, i);
  }

  /** The kind of the token starting at `i`; its end goes to `this.end`. */
  private token(text: string, i: number): Tok {
    this.end = i + 1;
    if (i >= text.length) {
      this.end = i;
      return 'eof';
    }
    const c = text.charCodeAt(i);
    const ch = text[i] as string;
    if (c === 10) return 'nl';
    if (isIdentStart(c, ch)) {
      let j = i + 1;
      while (j < text.length && isIdentPart(text.charCodeAt(j), text[j] as string)) j++;
      this.end = j;
      return 'ident';
    }
    if (isDigit(c)) {
      this.end = numberEnd(text, i);
      return 'number';
    }
    if (c === 34) return 'quote';
    if (c === 60 && text.charCodeAt(i + 1) === 60) {
      const j = text.charCodeAt(i + 2) === 45 ? i + 3 : i + 2;
      if (j < text.length && isIdentStart(text.charCodeAt(j), text[j] as string)) {
        this.end = j;
        return 'heredoc';
      }
    }
    if (c === 46 && text.startsWith('...', i)) {
      this.end = i + 3;
      return '...';
    }
    const two = DOUBLE[text.slice(i, i + 2)];
    if (two !== undefined) {
      this.end = i + 2;
      return two;
    }
    const one = SINGLE[ch];
    if (one !== undefined) return one;
    // One whole character, surrogate pairs included.
    if ((text.codePointAt(i) ?? c) > 0xffff) this.end = i + 2;
    return 'bad';
  }
}

/** `12`, `1.5`, `1e3`, `2.5E-2`; a `.` not followed by a digit is not part of the number. */
function numberEnd(text: string, i: number): number {
  let j = i;
  while (isDigit(text.charCodeAt(j))) j++;
  if (text.charCodeAt(j) === 46 && isDigit(text.charCodeAt(j + 1))) {
    j++;
    while (isDigit(text.charCodeAt(j))) j++;
  }
  const e = text.charCodeAt(j);
  if (e === 101 || e === 69) {
    let k = j + 1;
    const sign = text.charCodeAt(k);
    if (sign === 43 || sign === 45) k++;
    if (isDigit(text.charCodeAt(k))) {
      while (isDigit(text.charCodeAt(k))) k++;
      j = k;
    }
  }
  return j;
}
