import type { Node, Parser } from 'web-tree-sitter';
import { type MappedText, slice, textSpan } from './mapped-text.js';
import type { Position, ShellCommand } from './model.js';

/** A command found in shell text, before it is tied to a provisioner. */
export type FoundCommand = Omit<ShellCommand, 'origin'>;

export interface ShellScan {
  commands: FoundCommand[];
  comments: { text: string; pos: Position }[];
  /** Where the shell was too deeply nested to read further (no real script is). */
  errors: { message: string; pos: Position }[];
}

interface State {
  parser: Parser;
  text: MappedText;
  scan: ShellScan;
  /** Syntax-tree depth of the walk: it recurses, so it stops before the stack does. */
  depth: number;
}

const MAX_DEPTH = 400;

interface Walk {
  guarded: boolean;
  /** Set while walking one stage of a pipeline. */
  pipe?: { stages: { name: string; args: string[] }[]; index: number };
}

/** A word of a command: its value (static words unquoted, dynamic ones as written) and node. */
interface Word {
  value: string;
  node: Node;
}

/** Parse shell text and list every simple command in it, with positions mapped back to the file. */
export function scanShell(parser: Parser, text: MappedText): ShellScan {
  const scan: ShellScan = { commands: [], comments: [], errors: [] };
  scanInto({ parser, text: maskBacktickComments(text), scan, depth: 0 }, false);
  return scan;
}

/**
 * `` `# why` `` after an argument is a comment inside a command substitution that expands to
 * nothing: a common way to annotate a long package list. tree-sitter-bash reads the `#` as a
 * comment to the end of the line, swallowing the closing backtick and garbling every argument
 * after it; blanking it (same length, so positions hold) reads the list as bash does.
 */
function maskBacktickComments(text: MappedText): MappedText {
  if (!text.parseText.includes('`#')) return text;
  return { ...text, parseText: text.parseText.replace(/`#[^`\n]*`/g, (m) => ' '.repeat(m.length)) };
}

function scanInto(state: State, guarded: boolean): void {
  const tree = state.parser.parse(state.text.parseText);
  if (tree === null) throw new Error(`tree-sitter could not parse shell in ${state.text.file}`);
  try {
    walk(state, tree.rootNode, { guarded });
  } finally {
    tree.delete();
  }
}

const GUARDING = new Set([
  'if_statement',
  'while_statement',
  'until_statement',
  'case_statement',
  'negated_command',
]);
const PROBES = new Set(['command', 'which', 'type', 'hash', 'test', '[', '[[']);
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'ksh', 'zsh']);

function walk(state: State, node: Node, ctx: Walk): void {
  if (state.depth >= MAX_DEPTH) {
    if (state.scan.errors.length === 0) {
      state.scan.errors.push({
        message: `shell nested deeper than ${MAX_DEPTH} levels: the commands inside are not checked; flatten it`,
        pos: textSpan(state.text, node.startIndex, node.startIndex),
      });
    }
    return;
  }
  state.depth++;
  try {
    visit(state, node, ctx);
  } finally {
    state.depth--;
  }
}

function visit(state: State, node: Node, ctx: Walk): void {
  switch (node.type) {
    case 'comment':
      state.scan.comments.push({
        text: display(state.text, node),
        pos: textSpan(state.text, node.startIndex, node.endIndex),
      });
      return;
    case 'command':
      command(state, node, ctx);
      break;
    case 'declaration_command':
      // `export NAME=value`, `declare`, `local`, `readonly`: a value set here is as written into
      // the template as one set in front of a command.
      declaration(state, node, ctx);
      break;
    case 'pipeline': {
      const stages = kids(node).filter((k) => k.type !== 'comment');
      const described = stages.map((s) => describeStage(state.text, s));
      stages.forEach((stage, index) => {
        walk(state, stage, { guarded: ctx.guarded, pipe: { stages: described, index } });
      });
      return;
    }
    case 'list': {
      const children = node.children.filter((k): k is Node => k !== null);
      const op = children.find((k) => k.type === '&&' || k.type === '||')?.type;
      const [left, right] = children.filter((k) => k.isNamed && k.type !== 'comment');
      // `a || b`: a's failure is tolerated; `probe && b`: the probe's failure is the point, and
      // b runs only where the probe found what b needs. After a plain command (`apt-get … &&
      // systemctl …`) b is not guarded: under `sh -e` its failure still fails the build.
      const probe = left !== undefined && isProbe(state.text, left);
      const leftGuarded = ctx.guarded || op === '||' || (op === '&&' && probe);
      if (left !== undefined) walk(state, left, { guarded: leftGuarded });
      if (right !== undefined) walk(state, right, { guarded: ctx.guarded || probe });
      return;
    }
  }
  const guarded = ctx.guarded || GUARDING.has(node.type);
  // A pipeline stage stays a stage through its redirections only.
  const keepPipe = node.type === 'redirected_statement' ? ctx.pipe : undefined;
  // Inside a command only substitutions (`$(curl …)`, backquotes, `<(…)`) hold further commands.
  if (
    node.type === 'command' &&
    !/\$\(|`|[<>]\(/.test(state.text.parseText.slice(node.startIndex, node.endIndex))
  ) {
    return;
  }
  for (const child of kids(node)) walk(state, child, { guarded, pipe: keepPipe });
}

function kids(node: Node): Node[] {
  return node.namedChildren.filter((k): k is Node => k !== null);
}

function display(text: MappedText, node: Node): string {
  return text.text.slice(node.startIndex, node.endIndex);
}

/** `command -v x`, `[ -x … ]`, `test -f …`: a probe whose failure is the point. */
function isProbe(text: MappedText, node: Node): boolean {
  if (node.type === 'test_command') return true;
  if (node.type === 'redirected_statement') {
    const body = node.childForFieldName('body');
    return body !== null && isProbe(text, body);
  }
  if (node.type !== 'command') return false;
  return PROBES.has(words(text, node)[0]?.value ?? '');
}

function describeStage(text: MappedText, stage: Node): { name: string; args: string[] } {
  const cmd = stage.type === 'redirected_statement' ? stage.childForFieldName('body') : stage;
  if (cmd?.type !== 'command') return { name: '', args: [display(text, stage)] };
  const [name, ...args] = unwrap(words(text, cmd)).map((w) => w.value);
  return { name: name ?? '', args };
}

function command(state: State, node: Node, ctx: Walk): void {
  const argv = unwrap(words(state.text, node));
  const [name = '', ...args] = argv.map((w) => w.value);
  record(state, node, ctx, name, args);
  // `sh -c '…'` runs a script of its own: scan it, positions still pointing into the file.
  const dashC = argv.findIndex((w, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(w.value));
  const script = argv[dashC + 1];
  if (SHELLS.has(name.replace(/^.*\//, '')) && dashC > 0 && script !== undefined) {
    const inner = quotedContent(state.text, script.node);
    if (inner !== undefined) scanInto({ ...state, text: inner }, ctx.guarded);
  }
}

function declaration(state: State, node: Node, ctx: Walk): void {
  const [keyword, ...rest] = node.children.filter((k): k is Node => k !== null);
  if (!keyword) return;
  const name = display(state.text, keyword);
  const args = rest.filter((k) => k.type !== 'comment').map((k) => display(state.text, k));
  record(state, node, ctx, name, args);
}

function record(state: State, node: Node, ctx: Walk, name: string, args: string[]): void {
  state.scan.commands.push({
    name,
    args,
    text: display(state.text, node),
    pipeline: ctx.pipe?.stages ?? [{ name, args }],
    pipelineIndex: ctx.pipe?.index ?? 0,
    guarded: ctx.guarded,
    pos: textSpan(state.text, node.startIndex, node.endIndex),
  });
}

/** The text inside a quoted word, as a MappedText of its own (only when no escapes shift it). */
function quotedContent(text: MappedText, node: Node): MappedText | undefined {
  const quoted =
    node.type === 'raw_string' || (node.type === 'string' && !display(text, node).includes('\\'));
  if (!quoted || node.endIndex - node.startIndex < 2) return undefined;
  return slice(text, node.startIndex + 1, node.endIndex - 1);
}

function words(text: MappedText, node: Node): Word[] {
  const out: Word[] = [];
  for (let i = 0; i < node.childCount; i++) {
    const field = node.fieldNameForChild(i);
    const child = node.child(i);
    if (child === null) continue;
    if (field === 'name') {
      const inner = child.namedChildren[0] ?? child;
      out.push({ value: word(text, inner), node: inner });
    } else if (field === 'argument') out.push({ value: word(text, child), node: child });
  }
  return out;
}

function word(text: MappedText, node: Node): string {
  const raw = display(text, node);
  // Masked characters are interpolations Packer fills in: the word is dynamic.
  if (text.parseText.slice(node.startIndex, node.endIndex) !== raw) return raw;
  return staticValue(node) ?? raw;
}

function staticValue(node: Node): string | undefined {
  switch (node.type) {
    case 'word':
    case 'number':
      return node.text.replace(/\\(.)/gs, '$1');
    case 'raw_string':
      return node.text.slice(1, -1);
    case 'string': {
      const parts = kids(node);
      if (parts.some((p) => p.type !== 'string_content')) return undefined;
      return parts.map((p) => p.text.replace(/\\([$`"\\\n])/g, '$1')).join('');
    }
    case 'concatenation': {
      const parts = kids(node).map(staticValue);
      return parts.every((p) => p !== undefined) ? parts.join('') : undefined;
    }
    default:
      return undefined;
  }
}

/** Strip wrappers that run their arguments as the real command (`sudo -E apt-get …` → `apt-get …`). */
function unwrap<T extends { value: string }>(argv: T[]): T[] {
  let rest = argv;
  for (;;) {
    const [head, ...tail] = rest;
    const next = head === undefined ? undefined : WRAPPERS[head.value.replace(/^.*\//, '')]?.(tail);
    if (next === undefined || next.length === 0) return rest;
    rest = next;
  }
}

type Wrapper = <T extends { value: string }>(args: T[]) => T[] | undefined;

/** Skip leading options; those in `withValue` take the next word as their value. */
function skipOptions<T extends { value: string }>(args: T[], withValue: string[]): T[] {
  let i = 0;
  while (i < args.length) {
    const a = args[i]!.value;
    if (a === '--') return args.slice(i + 1);
    if (!a.startsWith('-') || a === '-') break;
    i += withValue.includes(a) ? 2 : 1;
  }
  return args.slice(i);
}

function skipAssignments<T extends { value: string }>(args: T[]): T[] {
  let i = 0;
  while (i < args.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(args[i]!.value)) i++;
  return args.slice(i);
}

const WRAPPERS: Record<string, Wrapper> = {
  sudo: (a) => skipAssignments(skipOptions(a, ['-u', '-g', '-h', '-p', '-C', '-D', '-r', '-t', '-U', '-T'])),
  doas: (a) => skipOptions(a, ['-u', '-C']),
  env: (a) => {
    let rest = a;
    for (;;) {
      const next = skipAssignments(skipOptions(rest, ['-u', '-C', '-S']));
      if (next.length === rest.length) return rest;
      rest = next;
    }
  },
  nohup: (a) => a,
  exec: (a) => skipOptions(a, ['-a']),
  time: (a) => skipOptions(a, []),
  nice: (a) => skipOptions(a, ['-n']),
  ionice: (a) => skipOptions(a, ['-c', '-n', '-p']),
  stdbuf: (a) => skipOptions(a, ['-i', '-o', '-e']),
  // `timeout [options] DURATION command …`
  timeout: (a) => skipOptions(a, ['-s', '-k', '--signal', '--kill-after']).slice(1),
  eatmydata: (a) => a,
  // `command -v x` asks where x is; only plain `command x` runs x.
  command: (a) => (a[0]?.value.startsWith('-') ? undefined : a),
  builtin: (a) => a,
};
