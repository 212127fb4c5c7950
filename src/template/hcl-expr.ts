import { isDigit, isIdentPart, type Lexer, type Tok } from './hcl-lexer.js';
import { registerText, TextBuilder } from './mapped-text.js';
import type { Expr, ObjectEntry, TemplatePart } from './model.js';

/**
 * HCL2 expressions, after HashiCorp's hclsyntax grammar: conditionals, binary and unary
 * operators, traversals, splats, calls, tuples, objects, `for` expressions, quoted templates
 * and heredocs. Only what lint reads gets a tree of its own (literals, strings, references,
 * calls, tuples, objects); the rest is parsed for correctness and kept as source.
 */

/** An expression and the file range it covers (parentheses included). */
interface Node {
  expr: Expr;
  start: number;
  end: number;
}

const BINARY: Partial<Record<Tok, number>> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 4,
  '>': 4,
  '<=': 4,
  '>=': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '%': 6,
};

/** Tokens that can begin an expression: what a missing separator is recognised by. */
export const EXPR_START = new Set<Tok>(['ident', 'number', 'quote', 'heredoc', '[', '{', '(', '!', '-']);

export function parseExpression(lx: Lexer): { expr: Expr; end: number } {
  const node = expression(lx);
  return { expr: node.expr, end: node.end };
}

function other(lx: Lexer, start: number, end: number): Node {
  return { expr: { kind: 'other', source: lx.slice(start, end), pos: lx.span(start, end) }, start, end };
}

/** A value was due at the looked-ahead token and none is there: report, and stand in an empty one. */
function missingValue(lx: Lexer): Node {
  const at = lx.start;
  lx.error(`expected a value, found ${describe(lx)}`, at, at);
  return other(lx, at, at);
}

export function describe(lx: Lexer): string {
  const kind = lx.peek();
  if (kind === 'eof') return 'the end of the file';
  if (kind === 'nl') return 'the end of the line';
  return `"${lx.slice(lx.start, lx.end)}"`;
}

function expression(lx: Lexer): Node {
  lx.enter();
  const node = conditional(lx);
  lx.leave();
  return node;
}

function conditional(lx: Lexer): Node {
  const cond = binary(lx, 1);
  if (lx.peek() !== '?') return cond;
  lx.take();
  lx.skipNewlines();
  expression(lx);
  if (!lx.accept(':')) {
    lx.error(`missing ":" in the conditional expression, found ${describe(lx)}`, lx.start, lx.start);
    return other(lx, cond.start, lx.lastEnd);
  }
  lx.skipNewlines();
  const alt = expression(lx);
  return other(lx, cond.start, alt.end);
}

function binary(lx: Lexer, min: number): Node {
  let left = unary(lx);
  for (;;) {
    const prec = BINARY[lx.peek()];
    if (prec === undefined || prec < min) return left;
    lx.take();
    lx.skipNewlines();
    const right = binary(lx, prec + 1);
    left = other(lx, left.start, right.end);
  }
}

function unary(lx: Lexer): Node {
  const start = lx.start;
  let operators = 0;
  for (let kind = lx.peek(); kind === '!' || kind === '-'; kind = lx.peek()) {
    lx.take();
    operators++;
  }
  const operand = postfix(lx);
  return operators === 0 ? operand : other(lx, start, operand.end);
}

/** A term and its traversals: `var.a.b`, `local.m["k"]`, `x[0]`, `var.l.0`, splats. */
function postfix(lx: Lexer): Node {
  const term = primary(lx);
  let path = term.expr.kind === 'reference' ? [...term.expr.path] : null;
  let end = term.end;
  let traversed = false;
  for (;;) {
    const kind = lx.peek();
    if (kind === '.') {
      lx.take();
      const next = lx.text.charCodeAt(lx.pos);
      if (isDigit(next)) {
        // Legacy index `list.0`: digits only, so `a.0.1` is two steps, not the number 0.1.
        let j = lx.pos;
        while (isDigit(lx.text.charCodeAt(j))) j++;
        path?.push(lx.slice(lx.pos, j));
        lx.moveTo(j);
        end = j;
      } else if (lx.peek() === 'ident') {
        lx.take();
        path?.push(lx.slice(lx.lastStart, lx.lastEnd));
        end = lx.lastEnd;
      } else if (lx.peek() === '*') {
        lx.take();
        path = null;
        end = lx.lastEnd;
      } else {
        lx.error(`expected an attribute name after ".", found ${describe(lx)}`, lx.start, lx.start);
        return other(lx, term.start, end);
      }
      traversed = true;
    } else if (kind === '[') {
      lx.take();
      lx.pushNewlines(false);
      if (lx.peek() === '*') {
        lx.take();
        path = null;
      } else {
        const index = expression(lx);
        if (path !== null && index.expr.kind === 'literal' && index.expr.value !== null) {
          path.push(String(index.expr.value));
        } else path = null;
      }
      const closed = lx.accept(']');
      if (!closed) lx.error(`missing "]", found ${describe(lx)}`, lx.start, lx.start);
      lx.popNewlines();
      end = closed ? lx.lastEnd : lx.pos;
      traversed = true;
      if (!closed) return other(lx, term.start, end);
    } else break;
  }
  if (!traversed) return term;
  if (path === null) return other(lx, term.start, end);
  return {
    expr: { kind: 'reference', path, source: lx.slice(term.start, end), pos: lx.span(term.start, end) },
    start: term.start,
    end,
  };
}

function primary(lx: Lexer): Node {
  const kind = lx.peek();
  const start = lx.start;
  switch (kind) {
    case 'number': {
      lx.take();
      const source = lx.slice(start, lx.lastEnd);
      return literal(lx, Number(source), start, lx.lastEnd);
    }
    case 'ident': {
      lx.take();
      const end = lx.lastEnd;
      const name = lx.slice(start, end);
      if (name === 'true' || name === 'false') return literal(lx, name === 'true', start, end);
      if (name === 'null') return literal(lx, null, start, end);
      if (lx.peek() === '(') return call(lx, name, start);
      return {
        expr: { kind: 'reference', path: [name], source: name, pos: lx.span(start, end) },
        start,
        end,
      };
    }
    case 'quote':
      return quoted(lx);
    case 'heredoc':
      return heredoc(lx);
    case '[':
      return tuple(lx);
    case '{':
      return object(lx);
    case '(': {
      lx.take();
      lx.pushNewlines(false);
      const inner = expression(lx);
      const closed = lx.accept(')');
      if (!closed) lx.error(`missing ")", found ${describe(lx)}`, lx.start, lx.start);
      lx.popNewlines();
      // `(x)` is x: the value inside, with the parentheses counted in its range for operators.
      return { expr: inner.expr, start, end: closed ? lx.lastEnd : inner.end };
    }
    default:
      return missingValue(lx);
  }
}

function literal(lx: Lexer, value: string | number | boolean | null, start: number, end: number): Node {
  const source = lx.slice(start, end);
  return { expr: { kind: 'literal', value, source, pos: lx.span(start, end) }, start, end };
}

function call(lx: Lexer, name: string, start: number): Node {
  lx.take(); // `(`
  lx.pushNewlines(false);
  const args: Expr[] = [];
  let closed = false;
  for (;;) {
    if (lx.accept(')')) {
      closed = true;
      break;
    }
    if (!EXPR_START.has(lx.peek())) break;
    args.push(expression(lx).expr);
    lx.accept('...');
    if (!lx.accept(',') && lx.peek() !== ')') break;
  }
  if (!closed) lx.error(`missing ")" to close ${name}(, found ${describe(lx)}`, lx.start, lx.start);
  lx.popNewlines();
  const end = closed ? lx.lastEnd : lx.pos;
  return {
    expr: { kind: 'call', name, args, source: lx.slice(start, end), pos: lx.span(start, end) },
    start,
    end,
  };
}

function isKeyword(lx: Lexer, word: string): boolean {
  return lx.peek() === 'ident' && lx.end - lx.start === word.length && lx.text.startsWith(word, lx.start);
}

function tuple(lx: Lexer): Node {
  const start = lx.start;
  lx.take();
  lx.pushNewlines(false);
  if (isKeyword(lx, 'for')) {
    forExpr(lx, false);
    return closeFor(lx, start, ']');
  }
  const items: Expr[] = [];
  let closed = false;
  for (;;) {
    if (lx.accept(']')) {
      closed = true;
      break;
    }
    if (!EXPR_START.has(lx.peek())) break;
    const item = expression(lx);
    items.push(item.expr);
    if (lx.accept(',')) continue;
    if (EXPR_START.has(lx.peek())) {
      // On the same line it is a missing comma; on a later line, most likely a missing `]`.
      if (lx.text.lastIndexOf('\n', lx.start) >= item.end) break;
      lx.error('missing "," between list items', lx.start, lx.start);
      continue;
    }
    if (lx.peek() !== ']') break;
  }
  if (!closed) lx.error('missing "]"', lx.start, lx.start);
  lx.popNewlines();
  const end = closed ? lx.lastEnd : lx.pos;
  return {
    expr: { kind: 'tuple', items, source: lx.slice(start, end), pos: lx.span(start, end) },
    start,
    end,
  };
}

/** `for k, v in coll : value` (tuple) or `: key => value...` (object), then `if cond`. */
function forExpr(lx: Lexer, object: boolean): void {
  lx.take(); // `for`
  const names = lx.accept('ident') && (!lx.accept(',') || lx.accept('ident'));
  if (!names || !isKeyword(lx, 'in')) {
    lx.error(
      `a "for" expression reads "for NAME in COLLECTION :", found ${describe(lx)}`,
      lx.start,
      lx.start,
    );
    return;
  }
  lx.take();
  expression(lx);
  if (!lx.accept(':')) {
    lx.error(`missing ":" in the "for" expression, found ${describe(lx)}`, lx.start, lx.start);
    return;
  }
  expression(lx);
  if (object) {
    if (!lx.accept('=>')) {
      lx.error(`missing "=>" in the "for" expression, found ${describe(lx)}`, lx.start, lx.start);
      return;
    }
    expression(lx);
    lx.accept('...');
  }
  if (isKeyword(lx, 'if')) {
    lx.take();
    expression(lx);
  }
}

function closeFor(lx: Lexer, start: number, close: ']' | '}'): Node {
  const closed = lx.accept(close);
  if (!closed) lx.error(`missing "${close}", found ${describe(lx)}`, lx.start, lx.start);
  lx.popNewlines();
  return other(lx, start, closed ? lx.lastEnd : lx.pos);
}

/** `{ k = v, … }`: items end at a comma or a newline. */
function object(lx: Lexer): Node {
  const start = lx.start;
  lx.take();
  lx.pushNewlines(false);
  if (isKeyword(lx, 'for')) {
    forExpr(lx, true);
    return closeFor(lx, start, '}');
  }
  lx.popNewlines();
  lx.pushNewlines(true);
  const entries: ObjectEntry[] = [];
  let closed = false;
  let separated = true;
  for (;;) {
    lx.skipNewlines();
    if (lx.accept('}')) {
      closed = true;
      break;
    }
    if (!EXPR_START.has(lx.peek())) break;
    const key = expression(lx);
    if (!lx.accept('=') && !lx.accept(':')) {
      lx.error(`expected "=" after the object key, found ${describe(lx)}`, lx.start, lx.start);
      break;
    }
    const value = expression(lx);
    if (!separated) {
      // Two items on one line need a comma between them (a newline would do otherwise).
      lx.problem('missing "," between object items on one line', key.start, value.end);
    }
    entries.push({ key: objectKey(key.expr), keyPos: lx.span(key.start, key.end), value: value.expr });
    separated = lx.accept(',') || lx.peek() === 'nl';
  }
  if (!closed) lx.error('missing "}"', lx.start, lx.start);
  lx.popNewlines();
  const end = closed ? lx.lastEnd : lx.pos;
  return {
    expr: { kind: 'object', entries, source: lx.slice(start, end), pos: lx.span(start, end) },
    start,
    end,
  };
}

/** A bare word is the key itself; a string is its value; anything else is kept as written. */
function objectKey(key: Expr): string {
  if (key.kind === 'literal') return String(key.value);
  if (key.kind === 'reference' && key.path.length === 1) return key.path[0] as string;
  return key.source;
}

// ---- templates -----------------------------------------------------------------------------

/** A run of template content: decoded text, or an interpolation/directive kept as written. */
interface Segment {
  from: number;
  to: number;
  /** Interpolations and directives: the expression, or `null` for a directive. */
  expr?: Expr | null;
}

/** How template content ends: a closing quote, or a heredoc's marker line. */
interface Ending {
  quoted: boolean;
  marker: string;
}

type Stop = 'end' | 'eof' | 'else' | 'endif' | 'endfor';

/** `"…"`: text parts decoded (escapes, `$${`), interpolations as expressions. */
function quoted(lx: Lexer): Node {
  const start = lx.start;
  lx.take();
  const segments: Segment[] = [];
  const { at, stop } = content(lx, lx.pos, { quoted: true, marker: '' }, segments);
  let end = at;
  if (stop === 'end') end = at + 1;
  else
    lx.error(
      'unterminated string: close the quote on the same line, or use a heredoc for multi-line text',
      start,
      start + 1,
    );
  lx.moveTo(end);
  return templateNode(lx, start, end, segments, false);
}

/** `<<EOF … EOF` and `<<-EOF`: the content lines between the markers, exactly as in the file. */
function heredoc(lx: Lexer): Node {
  const start = lx.start;
  lx.take();
  const text = lx.text;
  let j = lx.pos;
  while (j < text.length && isIdentPart(text.charCodeAt(j), text[j] as string)) j++;
  const marker = text.slice(lx.pos, j);
  let eol = j;
  while (text.charCodeAt(eol) === 32 || text.charCodeAt(eol) === 9 || text.charCodeAt(eol) === 13) eol++;
  if (text.charCodeAt(eol) !== 10) {
    lx.error(`a heredoc's <<${marker} must end its line; start the text on the next line`, start, j);
    lx.moveTo(j);
    return other(lx, start, j);
  }
  const segments: Segment[] = [];
  const { at, stop } = content(lx, eol + 1, { quoted: false, marker }, segments);
  if (stop !== 'end') {
    lx.error(`heredoc <<${marker} is never closed; add a line holding only ${marker}`, start, j);
    lx.moveTo(text.length);
    return templateNode(lx, start, text.length, segments, true);
  }
  // `at` is the start of the closing marker's line; the expression ends with the marker.
  const markerStart = text.indexOf(marker, at);
  const end = markerStart + marker.length;
  lx.moveTo(end);
  return templateNode(lx, start, end, segments, true);
}

/**
 * Read template content from `i` until its ending (or, inside a directive, until the
 * `%{ else }` / `%{ endif }` / `%{ endfor }` that closes it), appending segments when
 * `segments` is given. Returns where it stopped: the closing quote, the start of the heredoc's
 * closing line, or the start of the directive that ended it.
 */
function content(
  lx: Lexer,
  from: number,
  ending: Ending,
  segments: Segment[] | null,
): { at: number; stop: Stop } {
  const text = lx.text;
  let i = from;
  let run = from;
  let lineStart = !ending.quoted;
  const flush = (to: number): void => {
    if (segments !== null && to > run) segments.push({ from: run, to });
  };
  while (i < text.length) {
    if (lineStart && isClosingLine(text, i, ending.marker)) {
      flush(i);
      return { at: i, stop: 'end' };
    }
    lineStart = false;
    const c = text.charCodeAt(i);
    if (c === 10) {
      if (ending.quoted) break;
      lineStart = true;
      i++;
    } else if (ending.quoted && c === 34) {
      flush(i);
      return { at: i, stop: 'end' };
    } else if (ending.quoted && c === 92) {
      i = escapeEnd(lx, i);
    } else if ((c === 36 || c === 37) && text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === 123) {
      i += 3; // `$${` and `%%{` are literal `${` and `%{`
    } else if ((c === 36 || c === 37) && text.charCodeAt(i + 1) === 123) {
      if (c === 37) {
        const keyword = directiveKeyword(text, i);
        if (keyword === 'else' || keyword === 'endif' || keyword === 'endfor') {
          if (segments === null) {
            flush(i);
            return { at: i, stop: keyword };
          }
          const end = skipDirective(lx, i);
          lx.error(`%{ ${keyword} } without the %{ if } or %{ for } it closes`, i, end);
          i = end;
          continue;
        }
      }
      flush(i);
      const part = c === 36 ? interpolation(lx, i) : directive(lx, i, ending);
      segments?.push({ from: i, to: part.end, expr: part.expr });
      i = part.end;
      run = i;
    } else i++;
  }
  flush(i);
  return { at: i, stop: 'eof' };
}

/** End of the backslash escape at `i` in a quoted string; HCL knows only a few. */
function escapeEnd(lx: Lexer, i: number): number {
  const text = lx.text;
  const n = text[i + 1];
  if (n === 'n' || n === 'r' || n === 't' || n === '"' || n === '\\') return i + 2;
  const hexLength = n === 'u' ? 4 : n === 'U' ? 8 : 0;
  const hex = text.slice(i + 2, i + 2 + hexLength);
  if (hexLength > 0 && hex.length === hexLength && /^[0-9a-fA-F]+$/.test(hex)) return i + 2 + hexLength;
  if (n === '\n' || n === undefined) return i + 1;
  const what = hexLength > 0 ? `\\${n} needs ${hexLength} hex digits` : `"\\${n}" is not an escape HCL knows`;
  lx.error(`${what}; write "\\\\" for a backslash`, i, i + 2);
  return i + 2;
}

/** A heredoc's closing line: optional indentation, the marker, nothing after it. */
function isClosingLine(text: string, i: number, marker: string): boolean {
  let j = i;
  while (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9) j++;
  if (!text.startsWith(marker, j)) return false;
  j += marker.length;
  while (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9 || text.charCodeAt(j) === 13) j++;
  return j >= text.length || text.charCodeAt(j) === 10;
}

function directiveKeyword(text: string, i: number): string {
  let j = i + 2;
  if (text.charCodeAt(j) === 126) j++; // `~`
  while (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9) j++;
  let k = j;
  while (k < text.length && isIdentPart(text.charCodeAt(k), text[k] as string)) k++;
  return text.slice(j, k);
}

/** `${ expr }` at `i`, with optional `~` strip markers; returns the expression and its end. */
function interpolation(lx: Lexer, i: number): { expr: Expr; end: number } {
  lx.moveTo(i + 2);
  lx.pushNewlines(false);
  lx.accept('~');
  const inner = expression(lx);
  lx.accept('~');
  const closed = lx.accept('}');
  if (!closed) lx.error(`missing "}" to close "\${", found ${describe(lx)}`, i, i + 2);
  lx.popNewlines();
  return { expr: inner.expr, end: closed ? lx.lastEnd : Math.max(lx.pos, i + 2) };
}

/** `%{ if … }…%{ endif }` or `%{ for … }…%{ endfor }` at `i`: one part, kept as written. */
function directive(lx: Lexer, i: number, ending: Ending): { expr: Expr; end: number } {
  lx.enter();
  const part = directiveBody(lx, i, ending);
  lx.leave();
  return part;
}

function directiveBody(lx: Lexer, i: number, ending: Ending): { expr: Expr; end: number } {
  const keyword = directiveKeyword(lx.text, i);
  const headerEnd = directiveHeader(lx, i, keyword);
  const want = keyword === 'if' ? 'endif' : 'endfor';
  let at = headerEnd;
  for (;;) {
    const body = content(lx, at, ending, null);
    if (body.stop === 'end' || body.stop === 'eof') {
      lx.error(`%{ ${keyword} } is never closed; add %{ ${want} }`, i, headerEnd);
      return { expr: other(lx, i, headerEnd).expr, end: body.at };
    }
    const end = skipDirective(lx, body.at);
    if (body.stop === want) return { expr: other(lx, i, end).expr, end };
    if (body.stop === 'else' && keyword === 'if') {
      at = end;
      continue;
    }
    lx.error(`%{ ${body.stop} } does not close %{ ${keyword} }; use %{ ${want} }`, body.at, end);
    at = end;
  }
}

/** Parse a directive's header `%{ if cond }` / `%{ for x in xs }`; returns its end. */
function directiveHeader(lx: Lexer, i: number, keyword: string): number {
  lx.moveTo(i + 2);
  lx.pushNewlines(false);
  lx.accept('~');
  lx.take(); // the keyword
  if (keyword === 'if') expression(lx);
  else if (keyword === 'for') {
    lx.accept('ident');
    if (lx.accept(',')) lx.accept('ident');
    if (isKeyword(lx, 'in')) {
      lx.take();
      expression(lx);
    } else
      lx.error(
        `a template "for" reads %{ for NAME in COLLECTION }, found ${describe(lx)}`,
        lx.start,
        lx.start,
      );
  } else {
    lx.error(`unknown template directive "%{ ${keyword}"; use if, else, endif, for or endfor`, i, lx.lastEnd);
  }
  lx.accept('~');
  const closed = lx.accept('}');
  if (!closed) lx.error(`missing "}" to close "%{", found ${describe(lx)}`, i, i + 2);
  lx.popNewlines();
  return closed ? lx.lastEnd : Math.max(lx.pos, i + 2);
}

/** Read a keyword-only directive (`%{ else }`, `%{ endif }`): its end. */
function skipDirective(lx: Lexer, i: number): number {
  lx.moveTo(i + 2);
  lx.pushNewlines(false);
  lx.accept('~');
  lx.take(); // the keyword
  lx.accept('~');
  const closed = lx.accept('}');
  if (!closed) lx.error(`missing "}" to close "%{", found ${describe(lx)}`, i, i + 2);
  lx.popNewlines();
  return closed ? lx.lastEnd : lx.pos;
}

function templateNode(lx: Lexer, start: number, end: number, segments: Segment[], heredoc: boolean): Node {
  const parts: TemplatePart[] = [];
  for (const seg of segments) {
    if (seg.expr === undefined) {
      parts.push({
        kind: 'text',
        text: decode(lx.slice(seg.from, seg.to), !heredoc),
        pos: lx.span(seg.from, seg.to),
      });
    } else {
      parts.push({
        kind: 'interpolation',
        expr: seg.expr ?? other(lx, seg.from, seg.to).expr,
        pos: lx.span(seg.from, seg.to),
      });
    }
  }
  const pos = lx.span(start, end);
  const source = lx.slice(start, end);
  const expr: Expr =
    !heredoc && parts.every((p) => p.kind === 'text')
      ? { kind: 'literal', value: parts.map((p) => (p.kind === 'text' ? p.text : '')).join(''), source, pos }
      : { kind: 'template', parts, heredoc, source, pos };
  // The per-character map is only needed for strings that turn out to hold shell.
  registerText(expr, () => {
    const builder = new TextBuilder();
    for (const seg of segments) {
      const raw = lx.slice(seg.from, seg.to);
      if (seg.expr !== undefined) builder.pushVerbatim(raw, seg.from, true);
      else decodeInto(builder, raw, seg.from, !heredoc);
    }
    return builder.build(lx.file, lx.lines);
  });
  return { expr, start, end };
}

/** Decoded text of a run; most strings have nothing to decode. */
function decode(raw: string, quoted: boolean): string {
  if (!(quoted && raw.includes('\\')) && !raw.includes('{')) return raw;
  const builder = new TextBuilder();
  decodeInto(builder, raw, 0, quoted);
  return builder.since(0);
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/** HCL string decoding: backslash escapes in quoted strings only; `$${` and `%%{` everywhere. */
function decodeInto(builder: TextBuilder, raw: string, base: number, quoted: boolean): void {
  let run = 0;
  const flush = (i: number): void => {
    if (i > run) builder.pushVerbatim(raw.slice(run, i), base + run);
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (quoted && c === '\\' && i + 1 < raw.length) {
      flush(i);
      const n = raw[i + 1] as string;
      const hexLength = n === 'u' ? 4 : n === 'U' ? 8 : 0;
      const hex = raw.slice(i + 2, i + 2 + hexLength);
      if (hexLength > 0 && /^[0-9a-fA-F]+$/.test(hex) && hex.length === hexLength) {
        builder.push(String.fromCodePoint(Number.parseInt(hex, 16)), base + i, 2 + hexLength);
        i += 1 + hexLength;
      } else {
        builder.push(ESCAPES[n] ?? n, base + i, 2);
        i += 1;
      }
      run = i + 1;
    } else if ((c === '$' || c === '%') && raw[i + 1] === c && raw[i + 2] === '{') {
      flush(i);
      builder.push(c, base + i, 2);
      i += 1;
      run = i + 1;
    }
  }
  flush(raw.length);
}

/** A block label: the decoded string, or its source when it is not a plain string. */
export function parseLabel(lx: Lexer): string {
  const node = quoted(lx);
  return node.expr.kind === 'literal' ? String(node.expr.value) : node.expr.source;
}
