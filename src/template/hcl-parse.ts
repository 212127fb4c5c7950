import type { Node, Parser } from 'web-tree-sitter';
import { registerText, TextBuilder } from './mapped-text.js';
import type { Attribute, Block, Expr, ObjectEntry, Position, TemplatePart } from './model.js';
import { LineIndex, span } from './position.js';

export interface Comment {
  text: string;
  pos: Position;
}

export interface SyntaxProblem {
  message: string;
  pos: Position;
}

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

interface Ctx {
  file: string;
  text: string;
  lines: LineIndex;
  errors: SyntaxProblem[];
}

export function parseHcl(parser: Parser, file: string, text: string): HclFile {
  const tree = parser.parse(text);
  if (tree === null) throw new Error(`tree-sitter could not parse ${file}`);
  try {
    const lines = new LineIndex(text);
    const ctx: Ctx = { file, text, lines, errors: [] };
    const root = tree.rootNode;
    if (root.hasError) collectErrors(ctx, root);
    const bodyNode = root.namedChildren.find((n) => n?.type === 'body') ?? null;
    const body: Block = {
      type: '',
      labels: [],
      attributes: [],
      blocks: [],
      pos: span(file, lines, 0, text.length),
    };
    if (bodyNode !== null) fillBody(ctx, body, bodyNode, null, null, null);
    const comments = root
      .descendantsOfType('comment')
      .filter((n): n is Node => n !== null)
      .map((n) => ({ text: n.text, pos: nodePos(ctx, n) }));
    ctx.errors.sort((a, b) => a.pos.line - b.pos.line || a.pos.column - b.pos.column);
    return { file, text, lines, body, comments, errors: ctx.errors };
  } finally {
    tree.delete();
  }
}

function nodePos(ctx: Ctx, node: Node): Position {
  return span(ctx.file, ctx.lines, node.startIndex, node.endIndex);
}

function named(node: Node): Node[] {
  return node.namedChildren.filter((n): n is Node => n !== null && n.type !== 'comment');
}

function all(node: Node): Node[] {
  return node.children.filter((n): n is Node => n !== null && n.type !== 'comment');
}

function problem(ctx: Ctx, message: string, start: number, end: number): void {
  ctx.errors.push({ message, pos: span(ctx.file, ctx.lines, start, end) });
}

// ---- syntax errors -------------------------------------------------------------------------

function collectErrors(ctx: Ctx, node: Node, state = { sawError: false }): void {
  if (node.isMissing) {
    // After an ERROR, tree-sitter's recovery invents closing tokens: noise, not news.
    if (state.sawError) return;
    const what = node.type === 'heredoc_identifier' ? 'the heredoc closing marker' : `"${node.type}"`;
    problem(ctx, `missing ${what}`, node.startIndex, node.startIndex);
    return;
  }
  if (node.isError) {
    state.sawError = true;
    reportErrorNode(ctx, node);
    return;
  }
  for (const child of node.children) if (child?.hasError) collectErrors(ctx, child, state);
}

function reportErrorNode(ctx: Ctx, node: Node): void {
  const raw = ctx.text.slice(node.startIndex, node.endIndex);
  const semicolon = findOutsideStrings(raw, ';');
  if (semicolon !== -1) {
    const at = node.startIndex + semicolon;
    problem(ctx, '";" does not separate arguments in HCL; put each argument on its own line', at, at + 1);
    return;
  }
  const token = raw.trim().split('\n')[0]!.slice(0, 30);
  const start = node.startIndex + raw.indexOf(token);
  const message = token === '' ? 'not valid HCL here' : `unexpected "${token}": not valid HCL here`;
  problem(ctx, message, start, start + Math.max(token.length, 1));
}

function findOutsideStrings(raw: string, wanted: string): number {
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quoted && c === '\\') i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && c === '#') {
      const eol = raw.indexOf('\n', i);
      if (eol === -1) return -1;
      i = eol;
    } else if (!quoted && c === wanted) return i;
  }
  return -1;
}

// ---- bodies and blocks ---------------------------------------------------------------------

function fillBody(
  ctx: Ctx,
  target: Block,
  body: Node,
  open: Node | null,
  close: Node | null,
  owner: Node | null,
): void {
  const items = named(body).filter((n) => n.type === 'attribute' || n.type === 'block');
  const seen = new Map<string, Attribute>();
  for (const item of items) {
    if (item.type === 'block') {
      target.blocks.push(convertBlock(ctx, item));
      continue;
    }
    const attr = convertAttribute(ctx, item);
    if (attr === undefined) continue;
    const first = seen.get(attr.name);
    if (first !== undefined) {
      const nameNode = item.namedChildren[0]!;
      problem(
        ctx,
        `duplicate attribute "${attr.name}" (first set at line ${first.pos.line}); remove one of them`,
        nameNode.startIndex,
        nameNode.endIndex,
      );
    } else seen.set(attr.name, attr);
    target.attributes.push(attr);
  }
  // Layout rules only make sense where tree-sitter did not have to recover from an error.
  if (!(owner ?? body).hasError) checkLayout(ctx, items, open, close);
}

/** Newline rules HashiCorp's parser enforces and tree-sitter's grammar does not. */
function checkLayout(ctx: Ctx, items: Node[], open: Node | null, close: Node | null): void {
  const first = items[0];
  if (open !== null && first !== undefined && first.startPosition.row === open.startPosition.row) {
    const second = items[1];
    if (second !== undefined) {
      problem(
        ctx,
        'a single-line block holds one argument; put each argument on its own line',
        second.startIndex,
        second.endIndex,
      );
    } else if (first.type === 'block') {
      problem(ctx, 'a single-line block cannot contain a block', first.startIndex, first.endIndex);
    } else if (close !== null && close.startPosition.row !== first.endPosition.row) {
      problem(
        ctx,
        'a single-line block must close on the line of its argument',
        close.startIndex,
        close.endIndex,
      );
    }
    return;
  }
  for (let i = 1; i < items.length; i++) {
    const prev = items[i - 1]!;
    const item = items[i]!;
    if (item.startPosition.row === endRow(prev)) {
      problem(
        ctx,
        'two definitions on one line; put each argument or block on its own line',
        item.startIndex,
        item.endIndex,
      );
    }
  }
  const last = items[items.length - 1];
  if (close !== null && last !== undefined && close.startPosition.row === endRow(last)) {
    problem(
      ctx,
      'an argument must end with a newline; put the closing "}" on its own line',
      close.startIndex,
      close.endIndex,
    );
  }
}

/** Row of a node's last character (a node can end at column 0 of the following line). */
function endRow(node: Node): number {
  const end = node.endPosition;
  return end.column === 0 && end.row > node.startPosition.row ? end.row - 1 : end.row;
}

function convertBlock(ctx: Ctx, node: Node): Block {
  const kids = all(node);
  const type = kids[0]?.type === 'identifier' ? kids[0].text : '';
  const labels: string[] = [];
  let open: Node | null = null;
  let close: Node | null = null;
  let body: Node | null = null;
  let header: Node | null = kids[0] ?? null;
  for (const kid of kids.slice(1)) {
    if (kid.type === 'string_lit') {
      labels.push(stringLiteral(ctx, kid).value);
      header = kid;
    } else if (kid.type === 'identifier') {
      labels.push(kid.text);
      header = kid;
    } else if (kid.type === 'block_start') open = kid;
    else if (kid.type === 'block_end') close = kid;
    else if (kid.type === 'body') body = kid;
  }
  const block: Block = { type, labels, attributes: [], blocks: [], pos: nodePos(ctx, node) };
  if (open !== null && header !== null && !open.isMissing && open.startPosition.row !== endRow(header)) {
    problem(
      ctx,
      `the "{" of block "${type}" must be on the same line as its header`,
      open.startIndex,
      open.endIndex,
    );
  }
  if (body !== null) fillBody(ctx, block, body, open, close, node);
  return block;
}

function convertAttribute(ctx: Ctx, node: Node): Attribute | undefined {
  const kids = named(node);
  const name = kids[0];
  const value = kids.find((k) => k.type === 'expression');
  if (name === undefined || value === undefined) return undefined;
  return { name: name.text, value: convertExpr(ctx, value), pos: nodePos(ctx, node) };
}

// ---- expressions ---------------------------------------------------------------------------

function source(ctx: Ctx, node: Node): string {
  return ctx.text.slice(node.startIndex, node.endIndex);
}

function other(ctx: Ctx, node: Node): Expr {
  return { kind: 'other', source: source(ctx, node), pos: nodePos(ctx, node) };
}

function convertExpr(ctx: Ctx, node: Node): Expr {
  switch (node.type) {
    case 'expression': {
      const kids = named(node);
      // `(x)` has one named child, like a plain wrapper; either way the child is the value.
      if (kids.length === 1) return convertExpr(ctx, kids[0]!);
      return traversal(ctx, node, kids);
    }
    case 'literal_value':
    case 'template_expr':
    case 'collection_value': {
      const inner = node.firstNamedChild;
      return inner === null ? other(ctx, node) : convertExpr(ctx, inner);
    }
    case 'numeric_lit':
      return { kind: 'literal', value: Number(node.text), source: node.text, pos: nodePos(ctx, node) };
    case 'bool_lit':
      return { kind: 'literal', value: node.text === 'true', source: node.text, pos: nodePos(ctx, node) };
    case 'null_lit':
      return { kind: 'literal', value: null, source: node.text, pos: nodePos(ctx, node) };
    case 'string_lit':
    case 'quoted_template':
      return quotedTemplate(ctx, node);
    case 'heredoc_template':
      return heredocTemplate(ctx, node);
    case 'variable_expr':
      return { kind: 'reference', path: [node.text], source: node.text, pos: nodePos(ctx, node) };
    case 'function_call': {
      const kids = named(node);
      const args = kids.find((k) => k.type === 'function_arguments');
      return {
        kind: 'call',
        name: kids[0]?.text ?? '',
        args:
          args === undefined
            ? []
            : named(args)
                .filter((a) => a.type === 'expression')
                .map((a) => convertExpr(ctx, a)),
        source: source(ctx, node),
        pos: nodePos(ctx, node),
      };
    }
    case 'tuple':
      return {
        kind: 'tuple',
        items: named(node)
          .filter((k) => k.type === 'expression')
          .map((k) => convertExpr(ctx, k)),
        source: source(ctx, node),
        pos: nodePos(ctx, node),
      };
    case 'object':
      return object(ctx, node);
    default:
      return other(ctx, node);
  }
}

/** `var.a.b`, `local.x[0]`: a dotted path when every step is static, else `other`. */
function traversal(ctx: Ctx, node: Node, kids: Node[]): Expr {
  const [root, ...steps] = kids;
  if (root?.type !== 'variable_expr') return other(ctx, node);
  const path = [root.text];
  for (const step of steps) {
    if (step.type === 'get_attr') {
      path.push(named(step)[0]?.text ?? '');
      continue;
    }
    if (step.type !== 'index') return other(ctx, node);
    const index = named(step)[0];
    if (index?.type === 'legacy_index') {
      path.push(index.text.replace(/^\./, ''));
      continue;
    }
    const key = index === undefined ? undefined : named(index)[0];
    const value = key === undefined ? undefined : convertExpr(ctx, key);
    if (value?.kind !== 'literal' || value.value === null) return other(ctx, node);
    path.push(String(value.value));
  }
  return { kind: 'reference', path, source: source(ctx, node), pos: nodePos(ctx, node) };
}

function object(ctx: Ctx, node: Node): Expr {
  const entries: ObjectEntry[] = [];
  let prev: Node | null = null;
  let comma = false;
  for (const kid of all(node)) {
    if (kid.type === ',') comma = true;
    if (kid.type !== 'object_elem') continue;
    if (prev !== null && !comma && kid.startPosition.row === endRow(prev) && !node.hasError) {
      problem(ctx, 'missing "," between object items on one line', kid.startIndex, kid.endIndex);
    }
    prev = kid;
    comma = false;
    const keyNode = kid.childForFieldName('key');
    const valNode = kid.childForFieldName('val');
    if (keyNode === null || valNode === null) continue;
    const keyExpr = convertExpr(ctx, keyNode);
    const key =
      keyExpr.kind === 'literal'
        ? String(keyExpr.value)
        : keyExpr.kind === 'reference' && keyExpr.path.length === 1
          ? keyExpr.path[0]!
          : keyExpr.source;
    entries.push({ key, keyPos: nodePos(ctx, keyNode), value: convertExpr(ctx, valNode) });
  }
  return { kind: 'object', entries, source: source(ctx, node), pos: nodePos(ctx, node) };
}

/** Plain string label or literal: decoded value and its source range. */
function stringLiteral(ctx: Ctx, node: Node): { value: string } {
  const expr = quotedTemplate(ctx, node);
  return { value: expr.kind === 'literal' ? String(expr.value) : expr.source };
}

const PART_TYPES = new Set(['template_interpolation', 'template_directive']);

/** `"…"`: text parts decoded (escapes, `$${`), interpolations as expressions. */
function quotedTemplate(ctx: Ctx, node: Node): Expr {
  const kids = all(node);
  const open = kids.find((k) => k.type === 'quoted_template_start');
  const close = kids.find((k) => k.type === 'quoted_template_end' && !k.isMissing);
  const start = open?.endIndex ?? node.startIndex;
  const end = close?.startIndex ?? node.endIndex;
  return templateBody(ctx, node, kids, start, end, false);
}

/** `<<EOF … EOF`: the content lines between the markers, exactly as in the file. */
function heredocTemplate(ctx: Ctx, node: Node): Expr {
  const kids = all(node);
  const markers = kids.filter((k) => k.type === 'heredoc_identifier');
  const opening = markers[0];
  const closing =
    markers.length > 1 && !markers[markers.length - 1]!.isMissing ? markers[markers.length - 1] : undefined;
  const eol = opening === undefined ? -1 : ctx.text.indexOf('\n', opening.endIndex);
  const start = eol === -1 || eol >= node.endIndex ? node.endIndex : eol + 1;
  const end = closing === undefined ? node.endIndex : ctx.lines.lineStart(closing.startIndex);
  return templateBody(ctx, node, kids, start, Math.max(start, end), true);
}

function templateBody(
  ctx: Ctx,
  node: Node,
  kids: Node[],
  start: number,
  end: number,
  heredoc: boolean,
): Expr {
  // Segments of the content: decoded text runs and interpolations kept as written.
  const segments: { from: number; to: number; masked: boolean }[] = [];
  const parts: TemplatePart[] = [];
  let cursor = start;
  const pushText = (to: number): void => {
    if (to <= cursor) return;
    segments.push({ from: cursor, to, masked: false });
    const text = decode(ctx.text.slice(cursor, to), !heredoc);
    parts.push({ kind: 'text', text, pos: span(ctx.file, ctx.lines, cursor, to) });
  };
  for (const kid of kids) {
    const type = kid.type;
    if (!PART_TYPES.has(type) || kid.startIndex < start || kid.endIndex > end) continue;
    pushText(kid.startIndex);
    segments.push({ from: kid.startIndex, to: kid.endIndex, masked: true });
    const inner =
      type === 'template_interpolation' ? named(kid).find((k) => k.type === 'expression') : undefined;
    parts.push({
      kind: 'interpolation',
      expr: inner === undefined ? other(ctx, kid) : convertExpr(ctx, inner),
      pos: nodePos(ctx, kid),
    });
    cursor = kid.endIndex;
  }
  pushText(end);
  const pos = nodePos(ctx, node);
  const src = source(ctx, node);
  const expr: Expr =
    !heredoc && parts.every((p) => p.kind === 'text')
      ? {
          kind: 'literal',
          value: parts.map((p) => (p.kind === 'text' ? p.text : '')).join(''),
          source: src,
          pos,
        }
      : { kind: 'template', parts, heredoc, source: src, pos };
  // The per-character map is only needed for strings that turn out to hold shell.
  registerText(expr, () => {
    const builder = new TextBuilder();
    for (const seg of segments) {
      const raw = ctx.text.slice(seg.from, seg.to);
      if (seg.masked) builder.pushVerbatim(raw, seg.from, true);
      else decodeInto(builder, raw, seg.from, !heredoc);
    }
    return builder.build(ctx.file, ctx.lines);
  });
  return expr;
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
    const c = raw[i]!;
    if (quoted && c === '\\' && i + 1 < raw.length) {
      flush(i);
      const n = raw[i + 1]!;
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
