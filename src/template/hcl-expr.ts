import type { Node } from 'web-tree-sitter';
import { all, type Ctx, endRow, named, nodePos, problem } from './hcl-node.js';
import { registerText, TextBuilder } from './mapped-text.js';
import type { Expr, ObjectEntry, TemplatePart } from './model.js';
import { span } from './position.js';

function source(ctx: Ctx, node: Node): string {
  return ctx.text.slice(node.startIndex, node.endIndex);
}

function other(ctx: Ctx, node: Node): Expr {
  return { kind: 'other', source: source(ctx, node), pos: nodePos(ctx, node) };
}

export function convertExpr(ctx: Ctx, node: Node): Expr {
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
export function stringLiteral(ctx: Ctx, node: Node): { value: string } {
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
