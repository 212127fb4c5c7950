import { type Node as JsonNode, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { SyntaxProblem } from './hcl-parse.js';
import { type MappedText, registerText, TextBuilder, textSpan } from './mapped-text.js';
import type { Attribute, Block, Expr, Position, TemplatePart } from './model.js';
import { LineIndex, span } from './position.js';

/**
 * JSON values as model expressions, shared by legacy JSON templates (strings hold Go
 * templates, `{{timestamp}}`) and HCL JSON `*.pkr.json` files (strings hold `${…}`).
 */
export interface JsonCtx {
  file: string;
  text: string;
  lines: LineIndex;
  strings: 'go' | 'hcl';
}

/**
 * Object-valued settings that are maps, not nested blocks. Everything else written as an
 * object inside a source or provisioner (`source_ami_filter`, `metadata_options`, …) is a
 * block, as it would be in HCL2.
 */
const MAP_SETTINGS = new Set([
  'tags',
  'run_tags',
  'run_volume_tags',
  'snapshot_tags',
  'spot_tags',
  'fleet_tags',
  'volume_tags',
  'filters',
  'labels',
  'metadata',
  'changes',
  'extra_vars',
]);

export function jsonPos(ctx: JsonCtx, node: JsonNode): Position {
  return span(ctx.file, ctx.lines, node.offset, node.offset + node.length);
}

export function property(object: JsonNode, name: string): JsonNode | undefined {
  const prop = object.children?.find((p) => p.children?.[0]?.value === name);
  return prop?.children?.[1];
}

export function stringAt(object: JsonNode, name: string): string | undefined {
  const value = property(object, name);
  return value?.type === 'string' ? String(value.value) : undefined;
}

/** Key and value nodes of each property of an object, in source order. */
export function entries(
  object: JsonNode,
): { key: string; keyNode: JsonNode; value: JsonNode; prop: JsonNode }[] {
  return (object.children ?? []).flatMap((prop) => {
    const [keyNode, value] = prop.children ?? [];
    return keyNode === undefined || value === undefined
      ? []
      : [{ key: String(keyNode.value), keyNode, value, prop }];
  });
}

/** A JSON object as a block: scalars, lists and maps are attributes; other objects nest. */
export function jsonBlock(
  ctx: JsonCtx,
  type: string,
  labels: string[],
  node: JsonNode,
  skip?: Set<string>,
): Block {
  const out: Block = { type, labels, attributes: [], blocks: [], pos: jsonPos(ctx, node) };
  for (const { key, value, prop } of entries(node)) {
    if (skip?.has(key)) continue;
    const nested =
      value.type === 'object'
        ? [value]
        : value.type === 'array' &&
            (value.children?.length ?? 0) > 0 &&
            value.children?.every((c) => c.type === 'object')
          ? (value.children ?? [])
          : [];
    if (nested.length > 0 && !MAP_SETTINGS.has(key)) {
      for (const item of nested) out.blocks.push(jsonBlock(ctx, key, [], item));
    } else {
      out.attributes.push({
        name: key,
        value: jsonExpr(ctx, value),
        pos: jsonPos(ctx, prop),
      } satisfies Attribute);
    }
  }
  return out;
}

export function jsonExpr(ctx: JsonCtx, node: JsonNode): Expr {
  const source = ctx.text.slice(node.offset, node.offset + node.length);
  const at = jsonPos(ctx, node);
  switch (node.type) {
    case 'string':
      return stringExpr(ctx, node, source);
    case 'number':
    case 'boolean':
    case 'null':
      return { kind: 'literal', value: node.value as number | boolean | null, source, pos: at };
    case 'array':
      return { kind: 'tuple', items: (node.children ?? []).map((c) => jsonExpr(ctx, c)), source, pos: at };
    case 'object':
      return {
        kind: 'object',
        entries: entries(node).map((e) => ({
          key: e.key,
          keyPos: jsonPos(ctx, e.keyNode),
          value: jsonExpr(ctx, e.value),
        })),
        source,
        pos: at,
      };
    default:
      return { kind: 'other', source, pos: at };
  }
}

const JSON_ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '/': '/',
  '"': '"',
  '\\': '\\',
};

function stringExpr(ctx: JsonCtx, node: JsonNode, source: string): Expr {
  const decoded = decodeJsonString(ctx, node);
  const { parts, text } = ctx.strings === 'go' ? goTemplateParts(decoded) : hclTemplateParts(decoded);
  const at = jsonPos(ctx, node);
  const result: Expr = parts.some((p) => p.kind === 'interpolation')
    ? { kind: 'template', parts, heredoc: false, source, pos: at }
    : { kind: 'literal', value: text.text, source, pos: at };
  registerText(result, text);
  return result;
}

function decodeJsonString(ctx: JsonCtx, node: JsonNode): MappedText {
  const builder = new TextBuilder();
  const start = node.offset + 1;
  const raw = ctx.text.slice(start, node.offset + node.length - 1);
  let run = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== '\\') continue;
    if (i > run) builder.pushVerbatim(raw.slice(run, i), start + run);
    const n = raw[i + 1] ?? '';
    if (n === 'u') {
      builder.push(String.fromCharCode(Number.parseInt(raw.slice(i + 2, i + 6), 16)), start + i, 6);
      i += 5;
    } else {
      builder.push(JSON_ESCAPES[n] ?? n, start + i, 2);
      i += 1;
    }
    run = i + 1;
  }
  if (run < raw.length) builder.pushVerbatim(raw.slice(run), start + run);
  return builder.build(ctx.file, ctx.lines);
}

/** Legacy JSON: `{{ … }}` actions are interpolation parts. The text is unchanged. */
function goTemplateParts(text: MappedText): { parts: TemplatePart[]; text: MappedText } {
  const parts: TemplatePart[] = [];
  let cursor = 0;
  for (const m of text.text.matchAll(/\{\{(.*?)\}\}/gs)) {
    const from = m.index;
    const to = from + m[0].length;
    if (from > cursor)
      parts.push({ kind: 'text', text: text.text.slice(cursor, from), pos: textSpan(text, cursor, from) });
    const at = textSpan(text, from, to);
    parts.push({ kind: 'interpolation', expr: goAction(m[0], m[1] ?? '', at), pos: at });
    cursor = to;
  }
  if (cursor < text.text.length) {
    parts.push({
      kind: 'text',
      text: text.text.slice(cursor),
      pos: textSpan(text, cursor, text.text.length),
    });
  }
  return { parts, text };
}

/** `{{timestamp}}`, ``{{user `x`}}``, `{{env "X"}}` as calls; anything else (`{{ .Path }}`) as other. */
function goAction(source: string, inner: string, at: Position): Expr {
  const m = /^\s*([A-Za-z_]\w*)((?:\s+(?:`[^`]*`|"[^"]*"))*)\s*$/.exec(inner);
  if (m === null) return { kind: 'other', source, pos: at };
  const args = [...(m[2] ?? '').matchAll(/`([^`]*)`|"([^"]*)"/g)].map(
    (a): Expr => ({ kind: 'literal', value: a[1] ?? a[2] ?? '', source: a[0], pos: at }),
  );
  return { kind: 'call', name: m[1]!, args, source, pos: at };
}

/**
 * HCL JSON: strings are HCL templates. `${…}`/`%{…}` become interpolation parts (a dotted
 * path becomes a reference; anything else is kept as source) and `$${` is a literal `${`.
 */
function hclTemplateParts(text: MappedText): { parts: TemplatePart[]; text: MappedText } {
  const s = text.text;
  if (!s.includes('{')) return { parts: [], text };
  const builder = new TextBuilder();
  const parts: TemplatePart[] = [];
  let textStart = 0;
  const closeText = (): void => {
    if (builder.length > textStart) {
      const at = span(text.file, text.lines, builder.startAt(textStart), builder.lastEnd());
      parts.push({ kind: 'text', text: builder.since(textStart), pos: at });
    }
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if ((c === '$' || c === '%') && s[i + 1] === c && s[i + 2] === '{') {
      builder.copy(text, i);
      i += 1;
      continue;
    }
    const end = (c === '$' || c === '%') && s[i + 1] === '{' ? s.indexOf('}', i + 2) : -1;
    if (end === -1) {
      builder.copy(text, i);
      continue;
    }
    closeText();
    const start = builder.length;
    for (let k = i; k <= end; k++) builder.copy(text, k, true);
    const at = span(text.file, text.lines, builder.startAt(start), builder.lastEnd());
    const source = s.slice(i, end + 1);
    const inner = s.slice(i + 2, end).trim();
    const expr: Expr =
      c === '$' && /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/.test(inner)
        ? { kind: 'reference', path: inner.split('.'), source: inner, pos: at }
        : { kind: 'other', source, pos: at };
    parts.push({ kind: 'interpolation', expr, pos: at });
    textStart = builder.length;
    i = end;
  }
  closeText();
  return { parts, text: builder.build(text.file, text.lines) };
}

/** Parse JSON with positions; syntax errors are reported, not thrown. */
export function parseJson(
  file: string,
  text: string,
  strings: JsonCtx['strings'],
): { ctx: JsonCtx; root: JsonNode | undefined; errors: SyntaxProblem[] } {
  const ctx: JsonCtx = { file, text, lines: new LineIndex(text), strings };
  const parseErrors: ParseError[] = [];
  const root = parseTree(text, parseErrors, { disallowComments: true, allowTrailingComma: false });
  // One mistake often yields several codes at the same offset; the first says it best.
  const firsts = parseErrors.filter((e, i) => parseErrors.findIndex((o) => o.offset === e.offset) === i);
  const errors = firsts.map((e) => ({
    message: `JSON syntax error: ${describe(printParseErrorCode(e.error))}`,
    pos: span(file, ctx.lines, e.offset, e.offset + Math.max(e.length, 1)),
  }));
  if (root !== undefined && root.type !== 'object' && errors.length === 0) {
    errors.push({ message: 'a template must be a JSON object', pos: jsonPos(ctx, root) });
  }
  return { ctx, root: root?.type === 'object' ? root : undefined, errors };
}

/** `PropertyNameExpected` → `property name expected`. */
function describe(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}
