import type { HclFile, SyntaxProblem } from './hcl-parse.js';
import type {
  Attribute,
  Block,
  Build,
  Expr,
  Position,
  PostProcessor,
  Provisioner,
  RequiredPlugin,
  Template,
} from './model.js';

/** The Packer meaning of a set of HCL2 files: what `Template` holds besides shell and text. */
export type PackerParts = Pick<
  Template,
  'sources' | 'builds' | 'variables' | 'locals' | 'requiredPlugins' | 'packerBlock'
> & {
  variableValues: Attribute[];
  errors: SyntaxProblem[];
  /** How many of `errors` are names declared twice (the sign of a file-per-template folder). */
  duplicates: number;
};

export function attr(block: Block, name: string): Attribute | undefined {
  return block.attributes.find((a) => a.name === name);
}

/** A literal string value, or undefined for anything computed. */
export function stringValue(expr: Expr | undefined): string | undefined {
  return expr?.kind === 'literal' && typeof expr.value === 'string' ? expr.value : undefined;
}

/** Literal strings of a tuple (`only = ["docker.app"]`), in order; computed items are skipped. */
export function stringItems(expr: Expr | undefined): { value: string; pos: Position }[] {
  if (expr?.kind !== 'tuple') return [];
  return expr.items.flatMap((item) => {
    const value = stringValue(item);
    return value === undefined ? [] : [{ value, pos: item.pos }];
  });
}

export function provisionerOf(block: Block, type: string): Provisioner {
  return {
    type,
    name: stringValue(attr(block, 'name')?.value),
    body: block,
    only: stringItems(attr(block, 'only')?.value).map((i) => i.value),
    except: stringItems(attr(block, 'except')?.value).map((i) => i.value),
    pos: block.pos,
  };
}

export function packerFromHcl(files: HclFile[]): PackerParts {
  const parts: PackerParts = {
    sources: [],
    builds: [],
    variables: [],
    locals: [],
    requiredPlugins: [],
    variableValues: [],
    errors: [],
    duplicates: 0,
  };
  for (const file of files) {
    if (file.file.endsWith('.pkrvars.hcl')) {
      parts.variableValues.push(...file.body.attributes);
      for (const block of file.body.blocks) {
        parts.errors.push({
          message: `a variables file holds only "name = value" arguments, not "${block.type}" blocks`,
          pos: block.pos,
        });
      }
      continue;
    }
    for (const block of file.body.blocks) addBlock(parts, block);
  }
  reportDuplicates(parts);
  return parts;
}

/** Packer refuses a template that declares a variable, local or source twice (across files too). */
function reportDuplicates(parts: PackerParts): void {
  const named = [
    ...parts.variables.map((v) => ({ what: `variable "${v.name}"`, pos: v.pos })),
    ...parts.locals.map((l) => ({ what: `local "${l.name}"`, pos: l.pos })),
    ...parts.sources.map((s) => ({ what: `source "${s.type}" "${s.name}"`, pos: s.pos })),
  ];
  const first = new Map<string, Position>();
  for (const { what, pos } of named) {
    const earlier = first.get(what);
    if (earlier === undefined) {
      first.set(what, pos);
      continue;
    }
    parts.duplicates++;
    parts.errors.push({
      message: `${what} is declared twice (first at ${earlier.file}:${earlier.line}); remove or rename one`,
      pos,
    });
  }
}

function addBlock(parts: PackerParts, block: Block): void {
  const [first, second] = block.labels;
  switch (block.type) {
    case 'packer':
      parts.packerBlock = block.pos;
      for (const plugins of block.blocks.filter((b) => b.type === 'required_plugins')) {
        for (const plugin of plugins.attributes) parts.requiredPlugins.push(requiredPlugin(plugin));
      }
      return;
    case 'variable':
      parts.variables.push({
        name: first ?? '',
        type: attr(block, 'type')?.value,
        default: attr(block, 'default')?.value,
        sensitive: isTrue(attr(block, 'sensitive')?.value),
        description: stringValue(attr(block, 'description')?.value),
        pos: block.pos,
      });
      return;
    case 'locals':
      for (const local of block.attributes) {
        parts.locals.push({ name: local.name, value: local.value, sensitive: false, pos: local.pos });
      }
      return;
    case 'local': {
      const value = attr(block, 'expression')?.value;
      if (value !== undefined) {
        parts.locals.push({
          name: first ?? '',
          value,
          sensitive: isTrue(attr(block, 'sensitive')?.value),
          pos: block.pos,
        });
      }
      return;
    }
    case 'source':
      parts.sources.push({ type: first ?? '', name: second ?? '', body: block, pos: block.pos });
      return;
    case 'build':
      parts.builds.push(build(block));
      return;
  }
}

function isTrue(expr: Expr | undefined): boolean {
  return expr?.kind === 'literal' && expr.value === true;
}

function requiredPlugin(plugin: Attribute): RequiredPlugin {
  const entries = plugin.value.kind === 'object' ? plugin.value.entries : [];
  const entry = (key: string): string | undefined => {
    const value = entries.find((e) => e.key === key)?.value;
    return value === undefined ? undefined : (stringValue(value) ?? value.source);
  };
  return { name: plugin.name, source: entry('source'), version: entry('version'), pos: plugin.pos };
}

function build(block: Block): Build {
  const sources = stringItems(attr(block, 'sources')?.value).map((i) => ({ ref: i.value, pos: i.pos }));
  const provisioners: Provisioner[] = [];
  const postProcessorChains: PostProcessor[][] = [];
  for (const inner of block.blocks) {
    const type = inner.labels[0] ?? '';
    if (inner.type === 'source') sources.push({ ref: type, pos: inner.pos });
    else if (inner.type === 'provisioner') provisioners.push(provisionerOf(inner, type));
    else if (inner.type === 'post-processor') postProcessorChains.push([provisionerOf(inner, type)]);
    else if (inner.type === 'post-processors') {
      const chain = inner.blocks
        .filter((b) => b.type === 'post-processor')
        .map((b) => provisionerOf(b, b.labels[0] ?? ''));
      if (chain.length > 0) postProcessorChains.push(chain);
    }
  }
  return {
    name: stringValue(attr(block, 'name')?.value),
    sources,
    provisioners,
    postProcessorChains,
    pos: block.pos,
  };
}
