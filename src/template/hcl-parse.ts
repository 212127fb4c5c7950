import { describe, EXPR_START, parseExpression, parseLabel } from './hcl-expr.js';
import { type Comment, Lexer, type SyntaxProblem, TooDeep } from './hcl-lexer.js';
import type { Attribute, Block } from './model.js';
import type { LineIndex } from './position.js';

export type { Comment, SyntaxProblem };

/** One HCL2 file as generic blocks and attributes, before Packer meaning is given to them. */
export interface HclFile {
  file: string;
  text: string;
  lines: LineIndex;
  /** The file's top-level body, as a block with an empty type. */
  body: Block;
  comments: Comment[];
  errors: SyntaxProblem[];
}

/**
 * Parse one `*.pkr.hcl` / `*.pkrvars.hcl` file. A hand-written parser after HashiCorp's
 * hclsyntax, so that what Packer rejects (`;` separators, two arguments on a line, a `{` on the
 * next line, duplicate arguments) is reported where it is, and so that a thousand templates
 * parse in 0.1–0.3 s of CPU, not the ~3.3 s a generic grammar in wasm took (bench/RESULTS.md,
 * "Template parsing"). Never throws: problems are returned with their positions.
 */
export function parseHcl(file: string, text: string): HclFile {
  const lx = new Lexer(file, text);
  const body: Block = { type: '', labels: [], attributes: [], blocks: [], pos: lx.span(0, text.length) };
  try {
    parseBody(lx, body, null);
  } catch (err) {
    if (!(err instanceof TooDeep)) throw err;
    lx.errors.push({
      message: `${err.message}: imagegate stops reading this file here; flatten the expression or block`,
      pos: lx.span(err.at, err.at),
    });
  }
  const errors = lx.errors.sort((a, b) => a.pos.line - b.pos.line || a.pos.column - b.pos.column);
  return { file, text, lines: lx.lines, body, comments: lx.allComments(), errors };
}

/** Where an argument or block sits, for the newline rules. */
interface Item {
  block: boolean;
  start: number;
  end: number;
}

/** Read a body's arguments and blocks until its `}` (or the end of the file at top level). */
function parseBody(lx: Lexer, target: Block, open: { start: number; end: number } | null): number | null {
  const recoveredBefore = lx.recovered;
  const items: Item[] = [];
  const seen = new Map<string, Attribute>();
  let close: { start: number; end: number } | null = null;
  for (;;) {
    const kind = lx.peek();
    if (kind === 'nl') {
      lx.take();
    } else if (kind === 'eof') {
      if (open !== null) lx.error('missing "}"', lx.start, lx.start);
      break;
    } else if (kind === '}') {
      if (open !== null) {
        lx.take();
        close = { start: lx.lastStart, end: lx.lastEnd };
        break;
      }
      unexpected(lx, lx.start, false);
    } else if (kind === ';') {
      lx.error('";" does not separate arguments in HCL; put each argument on its own line', lx.start, lx.end);
      lx.take();
    } else if (kind === 'ident') {
      const item = parseItem(lx, target, seen);
      if (item !== null) items.push(item);
    } else {
      unexpected(lx, lx.start, open !== null);
    }
  }
  // Layout rules are judged only where nothing had to be recovered from.
  if (lx.recovered === recoveredBefore) checkLayout(lx, items, open, close);
  return close === null ? null : close.end;
}

function parseItem(lx: Lexer, target: Block, seen: Map<string, Attribute>): Item | null {
  const start = lx.start;
  lx.take();
  const name = lx.slice(start, lx.lastEnd);
  const nameEnd = lx.lastEnd;
  const next = lx.peek();
  if (next === '=') return lx.oneError(() => parseAttribute(lx, target, seen, start, nameEnd));
  if (next !== 'quote' && next !== 'ident' && next !== '{' && next !== 'nl') {
    unexpected(lx, start, true);
    return null;
  }
  return parseBlock(lx, target, start, name);
}

/** `name = value`, the `=` looked at: one argument, with at most one error reported in it. */
function parseAttribute(
  lx: Lexer,
  target: Block,
  seen: Map<string, Attribute>,
  start: number,
  nameEnd: number,
): Item | null {
  const name = lx.slice(start, nameEnd);
  lx.take();
  if (!EXPR_START.has(lx.peek())) {
    lx.error(`argument "${name}" has no value: write one after "=", found ${describe(lx)}`, start, nameEnd);
    if (lx.peek() !== 'nl' && lx.peek() !== 'eof') skipLine(lx, true);
    return null;
  }
  const { expr: value, end } = parseExpression(lx);
  const attr: Attribute = { name, value, pos: lx.span(start, end) };
  const first = seen.get(name);
  if (first !== undefined) {
    lx.problem(
      `duplicate attribute "${name}" (first set at line ${first.pos.line}); remove one of them`,
      start,
      nameEnd,
    );
  } else seen.set(name, attr);
  target.attributes.push(attr);
  const after = lx.peek();
  // Another argument on the same line is judged by the layout rules, anything else is not HCL.
  if (after !== 'nl' && after !== 'eof' && after !== '}' && after !== ';' && after !== 'ident') {
    unexpected(lx, lx.start, true);
  }
  return { block: false, start, end };
}

function parseBlock(lx: Lexer, target: Block, start: number, name: string): Item | null {
  const labels = lx.oneError(() => blockHeader(lx, start, name));
  if (labels === null) return null;
  lx.take();
  const open = { start: lx.lastStart, end: lx.lastEnd };
  const block: Block = { type: name, labels, attributes: [], blocks: [], pos: lx.span(start, lx.lastEnd) };
  lx.enter();
  const closeEnd = parseBody(lx, block, open);
  lx.leave();
  const end = closeEnd ?? lx.start;
  block.pos = lx.span(start, end);
  target.blocks.push(block);
  return { block: true, start, end };
}

/** A block's labels, up to its `{` (looked at, not taken); `null` when this is no block. */
function blockHeader(lx: Lexer, start: number, name: string): string[] | null {
  const labels: string[] = [];
  for (;;) {
    const kind = lx.peek();
    if (kind === 'quote') labels.push(parseLabel(lx));
    else if (kind === 'ident') {
      lx.take();
      labels.push(lx.slice(lx.lastStart, lx.lastEnd));
    } else break;
  }
  if (lx.peek() === '{') return labels;
  // Only a `{` on a following line makes this a block; anything else is not HCL.
  const back = lx.pos;
  lx.skipNewlines();
  if (lx.peek() !== '{') {
    lx.moveTo(back);
    unexpected(lx, start, true);
    return null;
  }
  lx.problem(`the "{" of block "${name}" must be on the same line as its header`, lx.start, lx.end);
  return labels;
}

/**
 * Text that is neither an argument nor a block: report the rest of its line and go on at the
 * next line, so one stray line costs one error, not a cascade.
 */
function unexpected(lx: Lexer, start: number, inBlock: boolean): void {
  const text = lx.text;
  let eol = text.indexOf('\n', start);
  if (eol === -1) eol = text.length;
  const token = text.slice(start, eol).trim().slice(0, 30);
  // Invisible characters (a lone carriage return, say) are named by their code point.
  const code = (text.codePointAt(start) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  const shown = token === '' ? `character U+${code}` : `"${token}"`;
  lx.error(`unexpected ${shown}: not valid HCL here`, start, start + Math.max(token.length, 1));
  skipLine(lx, inBlock);
}

/** Skip tokens to the end of the line, stepping over bracketed text; stop before a block's `}`. */
function skipLine(lx: Lexer, inBlock: boolean): void {
  lx.muted(() => {
    let depth = 0;
    for (;;) {
      const kind = lx.peek();
      if (kind === 'eof' || (kind === 'nl' && depth === 0)) return;
      if (kind === '}' && depth === 0 && inBlock) return;
      if (kind === 'quote' || kind === 'heredoc') {
        // Read strings whole, so that braces or newlines inside them do not mislead.
        parseExpression(lx);
        continue;
      }
      if (kind === '{' || kind === '[' || kind === '(') depth++;
      else if ((kind === '}' || kind === ']' || kind === ')') && depth > 0) depth--;
      lx.take();
    }
  });
}

/** Newline rules HashiCorp's parser enforces: one argument or block per line. */
function checkLayout(
  lx: Lexer,
  items: Item[],
  open: { start: number; end: number } | null,
  close: { start: number; end: number } | null,
): void {
  const row = (offset: number): number => lx.lines.lineCol(offset).line;
  const endRow = (item: Item): number => row(Math.max(item.start, item.end - 1));
  const first = items[0];
  if (open !== null && first !== undefined && row(first.start) === row(open.start)) {
    const second = items[1];
    if (second !== undefined) {
      lx.problem(
        'a single-line block holds one argument; put each argument on its own line',
        second.start,
        second.end,
      );
    } else if (first.block) {
      lx.problem('a single-line block cannot contain a block', first.start, first.end);
    } else if (close !== null && row(close.start) !== endRow(first)) {
      lx.problem('a single-line block must close on the line of its argument', close.start, close.end);
    }
    return;
  }
  for (let i = 1; i < items.length; i++) {
    const prev = items[i - 1] as Item;
    const item = items[i] as Item;
    if (row(item.start) === endRow(prev)) {
      lx.problem(
        'two definitions on one line; put each argument or block on its own line',
        item.start,
        item.end,
      );
    }
  }
  const last = items[items.length - 1];
  if (close !== null && last !== undefined && row(close.start) === endRow(last)) {
    lx.problem(
      'an argument must end with a newline; put the closing "}" on its own line',
      close.start,
      close.end,
    );
  }
}
