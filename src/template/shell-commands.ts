import { type MappedText, slice, textSpan } from './mapped-text.js';
import type { Position, ShellCommand } from './model.js';
import { parseShell, type ShellNode, type Span, type Word } from './shell-syntax.js';

/** A command found in shell text, before it is tied to a provisioner. */
export type FoundCommand = Omit<ShellCommand, 'origin'>;

export interface ShellScan {
  commands: FoundCommand[];
  comments: { text: string; pos: Position }[];
  /** Where the shell was too deeply nested to read further (no real script is). */
  errors: { message: string; pos: Position }[];
}

interface State {
  text: MappedText;
  scan: ShellScan;
  /** Depth of the walk: it recurses (a long `a && b && …` chain nests), so it stops first. */
  depth: number;
}

/** Far above MAX_NESTING's reach; only an `&&` chain this long gets here. */
const MAX_WALK = 1024;

interface Walk {
  guarded: boolean;
  /** Set while walking one stage of a pipeline. */
  pipe?: { stages: { name: string; args: string[] }[]; index: number };
}

/** Read shell text and list every simple command in it, with positions mapped back to the file. */
export function scanShell(text: MappedText): ShellScan {
  const scan: ShellScan = { commands: [], comments: [], errors: [] };
  scanInto({ text: maskBacktickComments(text), scan, depth: 0 }, false);
  return scan;
}

/**
 * `` `# why` `` after an argument is a comment inside a command substitution that expands to
 * nothing: a common way to annotate a long package list. It is blanked (same length, so
 * positions hold), so the note is neither a command nor a comment of the script.
 */
function maskBacktickComments(text: MappedText): MappedText {
  if (!text.parseText.includes('`#')) return text;
  return { ...text, parseText: text.parseText.replace(/`#[^`\n]*`/g, (m) => ' '.repeat(m.length)) };
}

function scanInto(state: State, guarded: boolean): void {
  const tree = parseShell(state.text.parseText);
  // Comments in document order; a nested `sh -c` script's own come where it stands.
  const first = state.scan.comments.length;
  for (const c of tree.comments) {
    state.scan.comments.push({
      text: state.text.text.slice(c.start, c.end),
      pos: textSpan(state.text, c.start, c.end),
    });
  }
  for (const e of tree.errors) {
    state.scan.errors.push({ message: e.message, pos: textSpan(state.text, e.at, e.at) });
  }
  walk(state, tree.root, { guarded });
  if (state.scan.comments.length > first + tree.comments.length) sortComments(state.scan, first);
}

function sortComments(scan: ShellScan, from: number): void {
  const tail = scan.comments.splice(from);
  tail.sort((a, b) => a.pos.line - b.pos.line || a.pos.column - b.pos.column);
  scan.comments.push(...tail);
}

const PROBES = new Set(['command', 'which', 'type', 'hash', 'test', '[', '[[']);
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'ksh', 'zsh']);

function walk(state: State, node: ShellNode, ctx: Walk): void {
  if (state.depth >= MAX_WALK) {
    if (state.scan.errors.length === 0) {
      state.scan.errors.push({
        message: `shell nested deeper than ${MAX_WALK} levels: the commands inside are not checked; flatten it`,
        pos: textSpan(state.text, node.start, node.start),
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

function visit(state: State, node: ShellNode, ctx: Walk): void {
  switch (node.type) {
    case 'command':
      command(state, node, ctx);
      for (const sub of node.subs) walk(state, sub, { guarded: ctx.guarded });
      return;
    case 'declaration':
      // `export NAME=value`, `declare`, `local`, `readonly`: a value set here is as written into
      // the template as one set in front of a command.
      record(
        state,
        node,
        ctx,
        node.keyword,
        node.args.map((a) => display(state.text, a)),
      );
      for (const sub of node.subs) walk(state, sub, { guarded: ctx.guarded });
      return;
    case 'pipeline': {
      const described = node.stages.map((s) => describeStage(state.text, s));
      node.stages.forEach((stage, index) => {
        walk(state, stage, { guarded: ctx.guarded, pipe: { stages: described, index } });
      });
      return;
    }
    case 'list': {
      // `a || b`: a's failure is tolerated; `probe && b`: the probe's failure is the point, and
      // b runs only where the probe found what b needs. After a plain command (`apt-get … &&
      // systemctl …`) b is not guarded: under `sh -e` its failure still fails the build.
      const probe = isProbe(state.text, node.left);
      const leftGuarded = ctx.guarded || node.op === '||' || (node.op === '&&' && probe);
      walk(state, node.left, { guarded: leftGuarded });
      walk(state, node.right, { guarded: ctx.guarded || probe });
      return;
    }
    case 'redirected':
      // A pipeline stage stays a stage through its redirections.
      if (node.body !== undefined) walk(state, node.body, ctx);
      for (const inner of node.inner) walk(state, inner, ctx);
      return;
    case 'test':
      for (const sub of node.subs) walk(state, sub, { guarded: ctx.guarded });
      return;
    case 'block':
      for (const child of node.children) walk(state, child, { guarded: ctx.guarded || node.guarding });
      return;
  }
}

function display(text: MappedText, span: Span): string {
  return text.text.slice(span.start, span.end);
}

/** `command -v x`, `[ -x … ]`, `test -f …`: a probe whose failure is the point. */
function isProbe(text: MappedText, node: ShellNode): boolean {
  if (node.type === 'test') return true;
  if (node.type === 'redirected') return node.body !== undefined && isProbe(text, node.body);
  if (node.type !== 'command') return false;
  return PROBES.has(word(text, node.name));
}

function describeStage(text: MappedText, stage: ShellNode): { name: string; args: string[] } {
  const cmd = stage.type === 'redirected' ? stage.body : stage;
  if (cmd?.type !== 'command') return { name: '', args: [display(text, stage)] };
  const [name, ...args] = unwrap(words(text, cmd)).map((w) => w.value);
  return { name: name ?? '', args };
}

function command(state: State, node: ShellNode & { type: 'command' }, ctx: Walk): void {
  const argv = unwrap(words(state.text, node));
  const [name = '', ...args] = argv.map((w) => w.value);
  record(state, node, ctx, name, args);
  // `sh -c '…'` runs a script of its own: scan it, positions still pointing into the file.
  const dashC = argv.findIndex((w, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(w.value));
  const script = argv[dashC + 1];
  if (SHELLS.has(name.replace(/^.*\//, '')) && dashC > 0 && script !== undefined) {
    const inner = quotedContent(state.text, script.word);
    if (inner !== undefined) scanInto({ ...state, text: inner }, ctx.guarded);
  }
}

function record(state: State, node: Span, ctx: Walk, name: string, args: string[]): void {
  state.scan.commands.push({
    name,
    args,
    text: display(state.text, node),
    pipeline: ctx.pipe?.stages ?? [{ name, args }],
    pipelineIndex: ctx.pipe?.index ?? 0,
    guarded: ctx.guarded,
    pos: textSpan(state.text, node.start, node.end),
  });
}

/** The text inside a quoted word, as a MappedText of its own (only when no escapes shift it). */
function quotedContent(text: MappedText, w: Word): MappedText | undefined {
  const quoted = w.quoted === 'single' || (w.quoted === 'double' && !display(text, w).includes('\\'));
  if (!quoted || w.end - w.start < 2) return undefined;
  return slice(text, w.start + 1, w.end - 1);
}

function words(text: MappedText, node: ShellNode & { type: 'command' }): { value: string; word: Word }[] {
  return [node.name, ...node.args].map((w) => ({ value: word(text, w), word: w }));
}

/** A word's value: static words unquoted, dynamic ones as written. */
function word(text: MappedText, w: Word): string {
  const raw = display(text, w);
  // Masked characters are interpolations Packer fills in: the word is dynamic.
  if (text.parseText.slice(w.start, w.end) !== raw) return raw;
  return w.value ?? raw;
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
