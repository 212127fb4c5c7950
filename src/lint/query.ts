import type {
  Attribute,
  Block,
  Build,
  Expr,
  Position,
  PostProcessor,
  Provisioner,
  Source,
  Template,
} from '../template/model.js';

/**
 * Read-only questions policies ask of the Template model. Nothing here evaluates what Packer
 * would evaluate at build time: a value is "known" only when it is written as a literal.
 */

/** Compiled globs: policies ask the same few patterns of every source of every template. */
const globs = new Map<string, RegExp>();

/** Glob with `*` only (`amazon-*`), the way policies name builder types. */
export function globMatch(patterns: readonly string[], value: string): boolean {
  return patterns.some((p) => {
    if (!p.includes('*')) return p === value;
    let re = globs.get(p);
    if (re === undefined) {
      re = new RegExp(`^${p.split('*').map(escapeRegExp).join('.*')}$`);
      globs.set(p, re);
    }
    return re.test(value);
  });
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A nested place in a block: `source_ami_filter.owners` is an attribute of a block or object. */
export interface Found {
  expr?: Expr;
  block?: Block;
  pos: Position;
}

/**
 * Follow a dotted path through nested blocks (HCL2) or object-valued attributes (JSON, and HCL2
 * written as `x = { … }`). Returns undefined when any step is absent.
 */
export function lookup(block: Block, path: readonly string[]): Found | undefined {
  const [head, ...rest] = path;
  if (head === undefined) return { block, pos: block.pos };
  const attr = block.attributes.find((a) => a.name === head);
  if (attr) return rest.length === 0 ? { expr: attr.value, pos: attr.pos } : lookupExpr(attr.value, rest);
  const child = block.blocks.find((b) => b.type === head);
  if (child) return lookup(child, rest);
  return undefined;
}

function lookupExpr(expr: Expr, path: readonly string[]): Found | undefined {
  const [head, ...rest] = path;
  if (head === undefined) return { expr, pos: expr.pos };
  if (expr.kind !== 'object') return undefined;
  const entry = expr.entries.find((e) => e.key === head);
  if (!entry) return undefined;
  return rest.length === 0 ? { expr: entry.value, pos: entry.keyPos } : lookupExpr(entry.value, rest);
}

export function attribute(block: Block, name: string): Attribute | undefined {
  return block.attributes.find((a) => a.name === name);
}

export type Scalar = string | number | boolean | null;

/**
 * The value of an expression when it is written literally: a literal, or a string/template
 * with no interpolation. `undefined` means "not knowable without evaluating".
 */
export function literal(expr: Expr | undefined): Scalar | undefined {
  if (!expr) return undefined;
  if (expr.kind === 'literal') return expr.value;
  if (expr.kind === 'template' && expr.parts.every((p) => p.kind === 'text')) {
    return expr.parts.map((p) => (p.kind === 'text' ? p.text : '')).join('');
  }
  return undefined;
}

/** Items of a tuple, or the expression itself when it is a single value. */
export function items(expr: Expr): Expr[] {
  return expr.kind === 'tuple' ? expr.items : [expr];
}

/** `local.name` → the local's value expression (one level; callers recurse with a depth cap). */
export function resolveLocal(template: Template, expr: Expr): Expr | undefined {
  if (expr.kind !== 'reference' || expr.path[0] !== 'local' || expr.path.length !== 2) return undefined;
  return template.locals.find((l) => l.name === expr.path[1])?.value;
}

/** Follow `local.x` references until a non-reference (or give up after a few hops). */
export function dereference(template: Template, expr: Expr): Expr {
  let current = expr;
  for (let i = 0; i < 8; i++) {
    const next = resolveLocal(template, current);
    if (!next) return current;
    current = next;
  }
  return current;
}

/** Sources a build runs, matched by `source.TYPE.NAME`, `TYPE.NAME` or (JSON) builder name. */
export function buildSources(template: Template, build: Build): Source[] {
  const out: Source[] = [];
  for (const { ref } of build.sources) {
    const src = template.sources.find((s) => sourceMatches(s, ref));
    if (src && !out.includes(src)) out.push(src);
  }
  return out;
}

function sourceMatches(source: Source, ref: string): boolean {
  const r = ref.startsWith('source.') ? ref.slice('source.'.length) : ref;
  return r === `${source.type}.${source.name}` || r === source.name;
}

/** Whether a provisioner or post-processor runs for a source, honouring `only` / `except`. */
export function appliesTo(step: Provisioner | PostProcessor, source: Source): boolean {
  if (step.only.length > 0) return step.only.some((ref) => sourceMatches(source, ref));
  return !step.except.some((ref) => sourceMatches(source, ref));
}

/** Every provisioner of every build together with the sources it runs for. */
export function provisionersWithSources(
  template: Template,
): { build: Build; provisioner: Provisioner; sources: Source[] }[] {
  const out: { build: Build; provisioner: Provisioner; sources: Source[] }[] = [];
  for (const build of template.builds) {
    const sources = buildSources(template, build);
    for (const provisioner of build.provisioners) {
      out.push({ build, provisioner, sources: sources.filter((s) => appliesTo(provisioner, s)) });
    }
  }
  return out;
}

/** Whether any source has one of these builder types (`amazon-*` globs allowed). */
export function hasSourceOf(template: Template, builders: readonly string[]): boolean {
  return template.sources.some((s) => globMatch(builders, s.type));
}

/** The provisioners Packer runs through a shell, and whose commands src/template extracts. */
const SHELL_PROVISIONERS = new Set(['shell', 'shell-local']);

/**
 * A provisioner that runs shell. Judged by type, not by extracted commands: a provisioner
 * whose commands lint cannot see (`inline = var.steps`) still runs shell.
 */
export function isShellProvisioner(template: Template, provisioner: Provisioner): boolean {
  return (
    SHELL_PROVISIONERS.has(provisioner.type) ||
    template.shell.some((c) => c.origin.provisioner === provisioner)
  );
}

export function hasShellProvisioner(template: Template): boolean {
  return (
    template.shell.length > 0 ||
    template.builds.some((b) => b.provisioners.some((p) => isShellProvisioner(template, p)))
  );
}

/** Start-of-file position, for findings about a whole file. */
export function fileStart(file: string): Position {
  return { file, line: 1, column: 1, endLine: 1, endColumn: 1 };
}

/** Point at the first line of a block, not its whole body. */
export function header(pos: Position): Position {
  return { ...pos, endLine: pos.line, endColumn: pos.column };
}

/**
 * The full source lines a position spans. Commands' own text stops before redirections
 * (`: > /etc/machine-id`), so checks that care about redirections read the lines.
 */
export function sourceLines(template: Template, pos: Position): string {
  return linesOf(template, pos.file)
    .slice(pos.line - 1, pos.endLine)
    .join('\n');
}

/** Each file's lines, split once per template (checks ask for many small ranges). */
const lineCache = new WeakMap<Template, Map<string, string[]>>();
function linesOf(template: Template, file: string): string[] {
  let files = lineCache.get(template);
  if (!files) {
    files = new Map();
    lineCache.set(template, files);
  }
  let lines = files.get(file);
  if (!lines) {
    lines = (template.text[file] ?? '').split(/\r?\n/);
    files.set(file, lines);
  }
  return lines;
}
