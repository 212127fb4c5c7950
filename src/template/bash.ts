import type { Node, Parser } from 'web-tree-sitter';
import { type MappedText, textSpan } from './mapped-text.js';
import type { Position } from './model.js';

/** A command found in shell text, before it is tied to a provisioner. */
export interface FoundCommand {
  name: string;
  args: string[];
  text: string;
  pipeline: { name: string; args: string[] }[];
  pipelineIndex: number;
  guarded: boolean;
  pos: Position;
}

export interface ShellScan {
  commands: FoundCommand[];
  comments: { text: string; pos: Position }[];
}

interface Walk {
  guarded: boolean;
  /** Set while walking one stage of a pipeline. */
  pipe?: { stages: { name: string; args: string[] }[]; index: number };
}

/** Parse shell text and list every simple command in it, with positions mapped back to the file. */
export function scanShell(parser: Parser, text: MappedText): ShellScan {
  const tree = parser.parse(text.parseText);
  if (tree === null) throw new Error(`tree-sitter could not parse shell in ${text.file}`);
  try {
    const scan: ShellScan = { commands: [], comments: [] };
    walk(text, scan, tree.rootNode, { guarded: false });
    return scan;
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

function walk(text: MappedText, scan: ShellScan, node: Node, ctx: Walk): void {
  switch (node.type) {
    case 'comment':
      scan.comments.push({ text: display(text, node), pos: textSpan(text, node.startIndex, node.endIndex) });
      return;
    case 'command':
      scan.commands.push(command(text, node, ctx));
      break;
    case 'pipeline': {
      const stages = kids(node).filter((k) => k.type !== 'comment');
      const described = stages.map((s) => describeStage(text, s));
      stages.forEach((stage, index) => {
        walk(text, scan, stage, { guarded: ctx.guarded, pipe: { stages: described, index } });
      });
      return;
    }
    case 'list': {
      const children = node.children.filter((k): k is Node => k !== null);
      const op = children.find((k) => k.type === '&&' || k.type === '||')?.type;
      const [left, right] = children.filter((k) => k.isNamed && k.type !== 'comment');
      const leftGuarded =
        ctx.guarded || op === '||' || (op === '&&' && left !== undefined && isProbe(text, left));
      if (left !== undefined) walk(text, scan, left, { guarded: leftGuarded });
      if (right !== undefined) walk(text, scan, right, { guarded: ctx.guarded || op !== undefined });
      return;
    }
  }
  const guarded = ctx.guarded || GUARDING.has(node.type);
  // A pipeline stage stays a stage through its redirections only.
  const keepPipe = node.type === 'redirected_statement' ? ctx.pipe : undefined;
  for (const child of kids(node)) {
    if (node.type === 'command' && child.type !== 'command_substitution' && !hasSubstitution(child)) continue;
    walk(text, scan, child, { guarded, pipe: keepPipe });
  }
}

function kids(node: Node): Node[] {
  return node.namedChildren.filter((k): k is Node => k !== null);
}

function hasSubstitution(node: Node): boolean {
  return node.descendantsOfType(['command_substitution', 'process_substitution']).length > 0;
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
  return PROBES.has(words(text, node)[0] ?? '');
}

function describeStage(text: MappedText, stage: Node): { name: string; args: string[] } {
  const cmd = stage.type === 'redirected_statement' ? stage.childForFieldName('body') : stage;
  if (cmd?.type !== 'command') return { name: '', args: [display(text, stage)] };
  const [name = '', ...args] = unwrap(words(text, cmd));
  return { name, args };
}

function command(text: MappedText, node: Node, ctx: Walk): FoundCommand {
  const [name = '', ...args] = unwrap(words(text, node));
  const self = { name, args };
  const pipeline = ctx.pipe?.stages ?? [self];
  return {
    name,
    args,
    text: display(text, node),
    pipeline,
    pipelineIndex: ctx.pipe?.index ?? 0,
    guarded: ctx.guarded,
    pos: textSpan(text, node.startIndex, node.endIndex),
  };
}

/** The command name and its arguments: static words unquoted, dynamic ones as written. */
function words(text: MappedText, node: Node): string[] {
  const out: string[] = [];
  for (let i = 0; i < node.childCount; i++) {
    const field = node.fieldNameForChild(i);
    const child = node.child(i);
    if (child === null) continue;
    if (field === 'name') out.push(word(text, child.namedChildren[0] ?? child));
    else if (field === 'argument') out.push(word(text, child));
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

const SUDO_OPTS_WITH_VALUE = new Set(['-u', '-g', '-h', '-p', '-C', '-D', '-r', '-t', '-U', '-T']);

/** Strip wrappers that run their arguments as the real command (`sudo -E apt-get …` → `apt-get …`). */
export function unwrap(argv: string[]): string[] {
  let rest = argv;
  for (;;) {
    const [head, ...tail] = rest;
    const next = head === undefined ? undefined : WRAPPERS[head.replace(/^.*\//, '')]?.(tail);
    if (next === undefined || next.length === 0) return rest;
    rest = next;
  }
}

const skipOptions =
  (withValue: Set<string>) =>
  (args: string[]): string[] => {
    let i = 0;
    while (i < args.length) {
      const a = args[i]!;
      if (a === '--') return args.slice(i + 1);
      if (!a.startsWith('-') || a === '-') break;
      i += withValue.has(a) ? 2 : 1;
    }
    return args.slice(i);
  };

const skipAssignments = (args: string[]): string[] => {
  let i = 0;
  while (i < args.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(args[i]!)) i++;
  return args.slice(i);
};

const WRAPPERS: Record<string, (args: string[]) => string[] | undefined> = {
  sudo: (a) => skipAssignments(skipOptions(SUDO_OPTS_WITH_VALUE)(a)),
  doas: (a) => skipOptions(new Set(['-u', '-C']))(a),
  env: (a) => {
    let rest = skipOptions(new Set(['-u', '-C', '-S']))(a);
    for (;;) {
      const next = skipOptions(new Set(['-u', '-C']))(skipAssignments(rest));
      if (next.length === rest.length) return rest;
      rest = next;
    }
  },
  nohup: (a) => a,
  exec: (a) => skipOptions(new Set(['-a']))(a),
  time: (a) => skipOptions(new Set())(a),
  nice: (a) => skipOptions(new Set(['-n']))(a),
  ionice: (a) => skipOptions(new Set(['-c', '-n', '-p']))(a),
  stdbuf: (a) => skipOptions(new Set(['-i', '-o', '-e']))(a),
  timeout: (a) => skipOptions(new Set(['-s', '-k', '--signal', '--kill-after']))(a).slice(1),
  eatmydata: (a) => a,
  // `command -v x` asks where x is; only plain `command x` runs x.
  command: (a) => (a[0]?.startsWith('-') ? undefined : a),
  builtin: (a) => a,
};
