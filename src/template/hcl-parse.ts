import type { Node, Parser } from 'web-tree-sitter';
import { convertExpr, stringLiteral } from './hcl-expr.js';
import { all, type Ctx, endRow, named, nodePos, problem } from './hcl-node.js';
import type { Attribute, Block, Position } from './model.js';
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
