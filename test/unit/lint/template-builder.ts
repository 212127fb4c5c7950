import type {
  Attribute,
  Block,
  Build,
  Expr,
  Position,
  Provisioner,
  ShellCommand,
  Source,
  Template,
} from '../../../src/template/model.js';

/**
 * A small builder for Template models, so check primitives can be tested on exactly the shape
 * they need without going through the parser (the fixture tests cover the parser path).
 */
export const FILE = 'test.pkr.hcl';

export function at(line: number, column = 1, file = FILE): Position {
  return { file, line, column, endLine: line, endColumn: column + 10 };
}

export function lit(value: string | number | boolean, line = 1): Expr {
  return { kind: 'literal', value, source: JSON.stringify(value), pos: at(line, 5) };
}

export function ref(path: string, line = 1): Expr {
  return { kind: 'reference', path: path.split('.'), source: path, pos: at(line, 5) };
}

export function tuple(items: Expr[], line = 1): Expr {
  return { kind: 'tuple', items, source: '[…]', pos: at(line, 5) };
}

export function obj(entries: Record<string, Expr>, line = 1): Expr {
  return {
    kind: 'object',
    entries: Object.entries(entries).map(([key, value]) => ({ key, keyPos: at(line, 3), value })),
    source: '{…}',
    pos: at(line, 5),
  };
}

type Value = Expr | string | number | boolean;
const expr = (v: Value, line: number): Expr => (typeof v === 'object' ? v : lit(v, line));

/** Attributes get consecutive lines after the block's own line. */
export function block(type: string, line: number, attrs: Record<string, Value>, blocks: Block[] = []): Block {
  const attributes: Attribute[] = Object.entries(attrs).map(([name, v], i) => ({
    name,
    value: expr(v, line + i + 1),
    pos: at(line + i + 1, 3),
  }));
  return {
    type,
    labels: [],
    attributes,
    blocks,
    pos: { ...at(line), endLine: line + attributes.length + 1 },
  };
}

export function source(
  type: string,
  name: string,
  line: number,
  attrs: Record<string, Value>,
  blocks: Block[] = [],
): Source {
  const body = block('source', line, attrs, blocks);
  return { type, name, body, pos: body.pos };
}

export function provisioner(
  type: string,
  line: number,
  filters: { only?: string[]; except?: string[] } = {},
): Provisioner {
  return {
    type,
    body: block('provisioner', line, {}),
    only: filters.only ?? [],
    except: filters.except ?? [],
    pos: at(line),
  };
}

export function build(sources: string[], provisioners: Provisioner[], line = 100): Build {
  return {
    sources: sources.map((ref) => ({ ref, pos: at(line) })),
    provisioners,
    postProcessorChains: [],
    pos: at(line),
  };
}

/** One simple command per call: words split on spaces (tests keep to static words). */
export function sh(
  commandLine: string,
  prov: Provisioner,
  opts: { line?: number; guarded?: boolean; pipeline?: string[] } = {},
): ShellCommand {
  const [name = '', ...args] = commandLine.split(/\s+/);
  const stages = (opts.pipeline ?? [commandLine]).map((s) => {
    const [n = '', ...a] = s.split(/\s+/);
    return { name: n, args: a };
  });
  return {
    name,
    args,
    text: commandLine,
    pipeline: stages,
    pipelineIndex: Math.max(
      0,
      stages.findIndex((s) => s.name === name),
    ),
    guarded: opts.guarded ?? false,
    pos: at(opts.line ?? prov.pos.line + 1, 8),
    origin: { provisioner: prov, via: 'inline' },
  };
}

export function template(parts: Partial<Template> = {}): Template {
  return {
    format: 'hcl2',
    path: FILE,
    files: [FILE],
    sources: [],
    builds: [],
    variables: [],
    locals: [],
    requiredPlugins: [],
    shell: [],
    env: [],
    comments: [],
    syntaxErrors: [],
    text: { [FILE]: '' },
    ...parts,
  };
}
