import type { Node, Parser } from 'web-tree-sitter';
import { type MappedText, textSpan } from './mapped-text.js';
import type { FoundCommand, ShellScan } from './shell-commands.js';

/**
 * Commands of a PowerShell script, read with the tree-sitter PowerShell grammar, in the shape
 * shell policies already read: name, arguments, pipeline. PowerShell is case-insensitive, so
 * command names and `-Parameter` names are lower-cased (`Invoke-WebRequest` → `invoke-webrequest`,
 * `-OutFile` → `-outfile`); values keep their case, quotes removed when static.
 */
export function scanPowerShell(parser: Parser, text: MappedText): ShellScan {
  const scan: ShellScan = { commands: [], comments: [], errors: [] };
  const tree = parser.parse(text.parseText);
  if (tree === null) throw new Error(`tree-sitter could not parse PowerShell in ${text.file}`);
  try {
    // Iterative: deeply nested expressions must not exhaust the stack.
    const stack: Node[] = [tree.rootNode];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.type === 'comment') {
        scan.comments.push({ text: node.text, pos: textSpan(text, node.startIndex, node.endIndex) });
        continue;
      }
      if (node.type === 'pipeline_chain' || node.type === 'pipeline') addPipeline(text, node, scan);
      for (let i = node.namedChildCount - 1; i >= 0; i--) {
        const child = node.namedChild(i);
        if (child !== null) stack.push(child);
      }
    }
  } finally {
    tree.delete();
  }
  return scan;
}

function addPipeline(text: MappedText, node: Node, scan: ShellScan): void {
  const stages = node.namedChildren.filter((c): c is Node => c !== null && c.type === 'command');
  if (stages.length === 0) return;
  const parsed = stages.map((c) => argv(c));
  stages.forEach((command, index) => {
    const [name = '', ...args] = parsed[index]!;
    const found: FoundCommand = {
      name,
      args,
      text: text.parseText.slice(command.startIndex, command.endIndex),
      pipeline: parsed.map(([n = '', ...a]) => ({ name: n, args: a })),
      pipelineIndex: index,
      // `try { … }` and `-ErrorAction SilentlyContinue` tolerate failure, like `|| true`.
      guarded: tolerated(args) || inTry(command),
      pos: textSpan(text, command.startIndex, command.endIndex),
    };
    scan.commands.push(found);
  });
}

function argv(command: Node): string[] {
  const out: string[] = [];
  const name = command.childForFieldName('command_name');
  if (name !== null) out.push(unquote(name.text).toLowerCase());
  const elements = command.childForFieldName('command_elements');
  for (const el of elements?.namedChildren ?? []) {
    if (el === null || el.type === 'command_argument_sep') continue;
    const value = unquote(el.text);
    out.push(el.type === 'command_parameter' ? value.toLowerCase() : value);
  }
  return out;
}

function unquote(s: string): string {
  const m = /^(['"])(.*)\1$/s.exec(s);
  return m !== null && !/[$`]/.test(m[2]!) ? m[2]! : s;
}

function tolerated(args: string[]): boolean {
  const i = args.indexOf('-erroraction');
  return i !== -1 && /^(silentlycontinue|ignore|continue)$/i.test(args[i + 1] ?? '');
}

function inTry(node: Node): boolean {
  for (let n = node.parent; n !== null; n = n.parent) if (n.type === 'try_statement') return true;
  return false;
}
