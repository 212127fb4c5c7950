import type { Node as JsonNode } from 'jsonc-parser';
import type { SyntaxProblem } from './hcl-parse.js';
import { type JsonCtx, jsonBlock, jsonExpr, jsonPos, parseJson, property, stringAt } from './json-values.js';
import type { Block, Build, PostProcessor, Provisioner, Source, Variable } from './model.js';
import { provisionerOf } from './packer-blocks.js';
import { span } from './position.js';

/** A legacy JSON template (`builders`, `provisioners`, `post-processors`, `variables`). */
export interface LegacyJson {
  sources: Source[];
  builds: Build[];
  variables: Variable[];
  errors: SyntaxProblem[];
}

export function parseLegacyJson(file: string, text: string): LegacyJson {
  const { ctx, root, errors } = parseJson(file, text, 'go');
  const out: LegacyJson = { sources: [], builds: [], variables: [], errors };
  if (root === undefined) return out;
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
      body: jsonBlock(ctx, 'source', [type, name], builder),
      pos: jsonPos(ctx, builder),
    });
  }
  const provisioners: Provisioner[] = [];
  for (const p of property(root, 'provisioners')?.children ?? []) {
    if (p.type !== 'object') continue;
    provisioners.push(provisionerOf(jsonBlock(ctx, 'provisioner', [], p), stringAt(p, 'type') ?? ''));
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
    pos: jsonPos(ctx, root),
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
    out.variables.push({
      name,
      default: jsonExpr(ctx, value),
      sensitive: sensitive.has(name),
      pos: jsonPos(ctx, v),
    });
  }
  return out;
}

/** `"manifest"`, `{ "type": "manifest", … }`; a nested array is a chain (handled by the caller). */
function postProcessor(ctx: JsonCtx, node: JsonNode): PostProcessor[] {
  if (node.type === 'string') {
    const empty: Block = {
      type: 'post-processor',
      labels: [],
      attributes: [],
      blocks: [],
      pos: jsonPos(ctx, node),
    };
    return [provisionerOf(empty, String(node.value))];
  }
  if (node.type !== 'object') return [];
  return [provisionerOf(jsonBlock(ctx, 'post-processor', [], node), stringAt(node, 'type') ?? '')];
}
