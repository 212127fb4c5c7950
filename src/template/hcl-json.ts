import type { Node as JsonNode } from 'jsonc-parser';
import type { Comment, HclFile } from './hcl-parse.js';
import { entries, type JsonCtx, jsonBlock, jsonExpr, jsonPos, parseJson } from './json-values.js';
import type { Block } from './model.js';
import { span } from './position.js';

/**
 * Blocks Packer's HCL schema knows, by parent block type: how many labels each takes. In
 * HCL JSON a block is a property whose value nests one object level per label.
 */
const SCHEMA: Record<string, Record<string, number>> = {
  '': { packer: 0, variable: 1, locals: 0, local: 1, source: 2, build: 0 },
  packer: { required_plugins: 0 },
  build: {
    source: 1,
    provisioner: 1,
    'post-processor': 1,
    'post-processors': 0,
    'error-cleanup-provisioner': 1,
  },
  'post-processors': { 'post-processor': 1 },
};

/** Bodies whose object values are settings blocks (`source_ami_filter`), not maps. */
const SETTINGS_BODIES = new Set(['source', 'provisioner', 'post-processor', 'error-cleanup-provisioner']);

/** An HCL JSON file (`*.pkr.json`) as the same generic blocks an HCL2 file gives. */
export function parseHclJson(file: string, text: string): HclFile {
  const { ctx, root, errors } = parseJson(file, text, 'hcl');
  const body: Block = {
    type: '',
    labels: [],
    attributes: [],
    blocks: [],
    pos: span(file, ctx.lines, 0, text.length),
  };
  const comments: Comment[] = [];
  if (root !== undefined) fill(ctx, body, root, comments);
  return { file, text, lines: ctx.lines, body, comments, errors };
}

function fill(ctx: JsonCtx, target: Block, object: JsonNode, comments: Comment[]): void {
  const schema = SCHEMA[target.type] ?? {};
  for (const { key, value, prop } of entries(object)) {
    if (key === '//') {
      // HCL JSON's comment property: kept so suppressions can be written in it.
      if (value.type === 'string')
        comments.push({ text: `// ${String(value.value)}`, pos: jsonPos(ctx, prop) });
      continue;
    }
    const labels = schema[key];
    if (labels === undefined) {
      target.attributes.push({ name: key, value: jsonExpr(ctx, value), pos: jsonPos(ctx, prop) });
      continue;
    }
    for (const { node, labelList } of blockBodies(value, labels, [])) {
      if (SETTINGS_BODIES.has(key)) {
        const block = jsonBlock(ctx, key, labelList, node, new Set(['//']));
        target.blocks.push(block);
      } else {
        const block: Block = {
          type: key,
          labels: labelList,
          attributes: [],
          blocks: [],
          pos: jsonPos(ctx, node),
        };
        fill(ctx, block, node, comments);
        target.blocks.push(block);
      }
    }
  }
}

/** Walk `labels` levels of `{ "label": { … } }` (arrays allowed at each level) to the bodies. */
function blockBodies(
  value: JsonNode,
  labels: number,
  prefix: string[],
): { node: JsonNode; labelList: string[] }[] {
  if (value.type === 'array') return (value.children ?? []).flatMap((v) => blockBodies(v, labels, prefix));
  if (value.type !== 'object') return [];
  if (labels === 0) return [{ node: value, labelList: prefix }];
  return entries(value).flatMap((e) => blockBodies(e.value, labels - 1, [...prefix, e.key]));
}
