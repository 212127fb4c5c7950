import { type Node as JsonNode, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { SyntaxProblem } from './hcl-parse.js';
import { type MappedText, registerText, TextBuilder, textSpan } from './mapped-text.js';
import type {
  Attribute,
  Block,
  Build,
  Expr,
  PostProcessor,
  Provisioner,
  Source,
  TemplatePart,
  Variable,
} from './model.js';
import { provisionerOf } from './packer-blocks.js';
import { LineIndex, span } from './position.js';

/** A legacy JSON template (`builders`, `provisioners`, `post-processors`, `variables`). */
export interface LegacyJson {
  sources: Source[];
  builds: Build[];
  variables: Variable[];
  errors: SyntaxProblem[];
}

interface Ctx {
  file: string;
  text: string;
  lines: LineIndex;
}

/**
 * Object-valued settings that are maps, not nested blocks. Everything else written as an
 * object (`source_ami_filter`, `metadata_options`, …) is a block, as in HCL2.
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

export function parseLegacyJson(file: string, text: string): LegacyJson {
  const ctx: Ctx = { file, text, lines: new LineIndex(text) };
  const parseErrors: ParseError[] = [];
  const root = parseTree(text, parseErrors, { disallowComments: true, allowTrailingComma: false });
  const out: LegacyJson = { sources: [], builds: [], variables: [], errors: [] };
  for (const e of parseErrors) {
    out.errors.push({
      message: `JSON syntax error: ${printParseErrorCode(e.error)}`,
      pos: span(file, ctx.lines, e.offset, e.offset + Math.max(e.length, 1)),
    });
  }
  if (root?.type !== 'object') {
    if (parseErrors.length === 0)
      out.errors.push({ message: 'a JSON template is an object', pos: span(file, ctx.lines, 0, 0) });
    return out;
  }
  const builders = property(root, 'builders');
  if (builders?.type !== 'array') {
    out.errors.push({
      message: 'not a Packer JSON template: it has no "builders" list',
      pos: span(file, ctx.lines, root.offset, root.offset + 1),
    });
  }
  for (const builder of builders?.children ?? []) {
    if (builder.type !== 'object') continue;
    const type = stringAt(builder, 'type') ?? '';
    const name = stringAt(builder, 'name') ?? type;
    out.sources.push({
      type,
      name,
      body: block(ctx, 'source', [type, name], builder),
      pos: pos(ctx, builder),
    });
  }
  const provisioners: Provisioner[] = [];
  for (const p of property(root, 'provisioners')?.children ?? []) {
    if (p.type === 'object')
      provisioners.push(provisionerOf(block(ctx, 'provisioner', [], p), stringAt(p, 'type') ?? ''));
  }
  const chains: PostProcessor[][] = [];
  for (const item of property(root, 'post-processors')?.children ?? []) {
    const chain = (item.type === 'array' ? (item.children ?? []) : [item]).flatMap((pp) =>
      postProcessor(ctx, pp),
    );
    if (chain.length > 0) chains.push(chain);
  }
  out.builds.push({
    sources: out.sources.map((s) => ({ ref: s.name, pos: s.pos })),
    provisioners,
    postProcessorChains: chains,
    pos: pos(ctx, root),
  });
  const sensitive = new Set(
    (property(root, 'sensitive-variables')?.children ?? []).flatMap((n) =>
      n.type === 'string' ? [String(n.value)] : [],
    ),
  );
  for (const v of property(root, 'variables')?.children ?? []) {
    const [key, value] = v.children ?? [];
    if (key === undefined || value === undefined) continue;
    const name = String(key.value);
    out.variables.push({ name, default: expr(ctx, value), sensitive: sensitive.has(name), pos: pos(ctx, v) });
  }
  return out;
}

function pos(ctx: Ctx, node: JsonNode): Block['pos'] {
  return span(ctx.file, ctx.lines, node.offset, node.offset + node.length);
}

function property(object: JsonNode, name: string): JsonNode | undefined {
  const prop = object.children?.find((p) => p.children?.[0]?.value === name);
  return prop?.children?.[1];
}

function stringAt(object: JsonNode, name: string): string | undefined {
  const value = property(object, name);
  return value?.type === 'string' ? String(value.value) : undefined;
}

function postProcessor(ctx: Ctx, node: JsonNode): PostProcessor[] {
  if (node.type === 'string') {
    const empty: Block = {
      type: 'post-processor',
      labels: [],
      attributes: [],
      blocks: [],
      pos: pos(ctx, node),
    };
    return [provisionerOf(empty, String(node.value))];
  }
  if (node.type !== 'object') return [];
  return [provisionerOf(block(ctx, 'post-processor', [], node), stringAt(node, 'type') ?? '')];
}

/** A JSON object as a block: scalars, lists and maps are attributes; other objects nest. */
function block(ctx: Ctx, type: string, labels: string[], node: JsonNode): Block {
  const out: Block = { type, labels, attributes: [], blocks: [], pos: pos(ctx, node) };
  for (const prop of node.children ?? []) {
    const [key, value] = prop.children ?? [];
    if (key === undefined || value === undefined) continue;
    const name = String(key.value);
    const nested =
      value.type === 'object'
        ? [value]
        : value.type === 'array' &&
            (value.children?.length ?? 0) > 0 &&
            value.children?.every((c) => c.type === 'object')
          ? (value.children ?? [])
          : [];
    if (nested.length > 0 && !MAP_SETTINGS.has(name)) {
      for (const item of nested) out.blocks.push(block(ctx, name, [], item));
    } else {
      out.attributes.push({ name, value: expr(ctx, value), pos: pos(ctx, prop) } satisfies Attribute);
    }
  }
  return out;
}

function expr(ctx: Ctx, node: JsonNode): Expr {
  const source = ctx.text.slice(node.offset, node.offset + node.length);
  const at = pos(ctx, node);
  switch (node.type) {
    case 'string':
      return stringExpr(ctx, node, source);
    case 'number':
    case 'boolean':
    case 'null':
      return { kind: 'literal', value: node.value as number | boolean | null, source, pos: at };
    case 'array':
      return { kind: 'tuple', items: (node.children ?? []).map((c) => expr(ctx, c)), source, pos: at };
    case 'object':
      return {
        kind: 'object',
        entries: (node.children ?? []).flatMap((p) => {
          const [key, value] = p.children ?? [];
          if (key === undefined || value === undefined) return [];
          return [{ key: String(key.value), keyPos: pos(ctx, key), value: expr(ctx, value) }];
        }),
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

/** A JSON string; `{{ … }}` actions become interpolation parts, kept as written. */
function stringExpr(ctx: Ctx, node: JsonNode, source: string): Expr {
  const builder = new TextBuilder();
  const start = node.offset + 1;
  const raw = ctx.text.slice(start, node.offset + node.length - 1);
  let run = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== '\\') continue;
    if (i > run) builder.pushVerbatim(raw.slice(run, i), start + run);
    const n = raw[i + 1] ?? '';
    if (n === 'u') {
      builder.push(String.fromCharCode(Number.parseInt(raw.slice(i + 2, i + 6), 16)), start + i);
      i += 5;
    } else {
      builder.push(JSON_ESCAPES[n] ?? n, start + i);
      i += 1;
    }
    run = i + 1;
  }
  if (run < raw.length) builder.pushVerbatim(raw.slice(run), start + run);
  const mapped = builder.build(ctx.file, ctx.lines);
  const parts = goTemplateParts(mapped);
  const at = pos(ctx, node);
  const result: Expr = parts.some((p) => p.kind === 'interpolation')
    ? { kind: 'template', parts, heredoc: false, source, pos: at }
    : { kind: 'literal', value: mapped.text, source, pos: at };
  registerText(result, mapped);
  return result;
}

function goTemplateParts(text: MappedText): TemplatePart[] {
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
  if (cursor < text.text.length)
    parts.push({
      kind: 'text',
      text: text.text.slice(cursor),
      pos: textSpan(text, cursor, text.text.length),
    });
  return parts;
}

/** `{{timestamp}}`, ``{{user `x`}}``, `{{env "X"}}` as calls; anything else (`{{ .Path }}`) as other. */
function goAction(source: string, inner: string, at: Block['pos']): Expr {
  const m = /^\s*([A-Za-z_][\w]*)((?:\s+(?:`[^`]*`|"[^"]*"))*)\s*$/.exec(inner);
  if (m === null) return { kind: 'other', source, pos: at };
  const args = [...(m[2] ?? '').matchAll(/`([^`]*)`|"([^"]*)"/g)].map(
    (a): Expr => ({ kind: 'literal', value: a[1] ?? a[2] ?? '', source: a[0], pos: at }),
  );
  return { kind: 'call', name: m[1]!, args, source, pos: at };
}
