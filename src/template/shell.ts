import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { Parser } from 'web-tree-sitter';
import { type FoundCommand, scanShell } from './bash.js';
import type { SyntaxProblem } from './hcl-parse.js';
import { fileText, joinLines, type MappedText, mappedText, maskGoTemplates } from './mapped-text.js';
import type { Build, EnvAssignment, Expr, Provisioner, ShellCommand } from './model.js';
import { attr } from './packer-blocks.js';
import { LineIndex } from './position.js';
import { bashParser } from './tree-sitter.js';

export interface ShellExtraction {
  shell: ShellCommand[];
  env: EnvAssignment[];
  comments: { text: string; pos: ShellCommand['pos'] }[];
  errors: SyntaxProblem[];
  /** Script files read, by the path findings use. */
  scripts: Record<string, string>;
}

const SHELL_PROVISIONERS = new Set(['shell', 'shell-local']);

/** Every command of every shell provisioner, in build order, with its true position. */
export async function extractShell(builds: Build[]): Promise<ShellExtraction> {
  const out: ShellExtraction = { shell: [], env: [], comments: [], errors: [], scripts: {} };
  for (const build of builds) {
    for (const provisioner of build.provisioners) {
      // The bash grammar loads (once per process) only when a template has shell to read.
      if (SHELL_PROVISIONERS.has(provisioner.type)) extractProvisioner(await bashParser(), provisioner, out);
    }
  }
  return out;
}

function extractProvisioner(bash: Parser, provisioner: Provisioner, out: ShellExtraction): void {
  const body = provisioner.body;
  const add = (text: MappedText | undefined, via: ShellCommand['origin']['via']): void => {
    if (text === undefined) return;
    const scan = scanShell(bash, via === 'script' || via === 'scripts' ? text : maskGoTemplates(text));
    out.comments.push(...scan.comments);
    out.errors.push(...scan.errors);
    for (const found of scan.commands) out.shell.push(withOrigin(found, provisioner, via));
  };
  // `command` is shell-local's single-command form of `inline`.
  for (const name of ['inline', 'command']) {
    const value = attr(body, name)?.value;
    const lines = value?.kind === 'tuple' ? value.items : value === undefined ? [] : [value];
    add(joinLines(lines.flatMap((item) => mappedText(item) ?? [])), 'inline');
  }
  const script = attr(body, 'script')?.value;
  if (script !== undefined) add(readScript(provisioner, script, out), 'script');
  const scripts = attr(body, 'scripts')?.value;
  for (const item of scripts?.kind === 'tuple' ? scripts.items : []) {
    add(readScript(provisioner, item, out), 'scripts');
  }
  const execute = attr(body, 'execute_command')?.value;
  if (execute !== undefined) add(mappedText(execute), 'execute_command');
  const env = attr(body, 'environment_vars')?.value;
  for (const item of env?.kind === 'tuple' ? env.items : []) {
    const text = mappedText(item)?.text;
    if (text === undefined) continue;
    const eq = text.indexOf('=');
    out.env.push({
      name: eq === -1 ? text : text.slice(0, eq),
      value: eq === -1 ? '' : text.slice(eq + 1),
      pos: item.pos,
      provisioner,
    });
  }
}

function withOrigin(
  found: FoundCommand,
  provisioner: Provisioner,
  via: ShellCommand['origin']['via'],
): ShellCommand {
  return { ...found, origin: { provisioner, via } };
}

/**
 * Read a `script`/`scripts` file relative to the template file that names it. `${path.root}`
 * and `{{template_dir}}` are that directory; other computed paths cannot be known before a
 * build, so they are left alone.
 */
function readScript(provisioner: Provisioner, expr: Expr, out: ShellExtraction): MappedText | undefined {
  const written = mappedText(expr)?.text;
  if (written === undefined) return undefined;
  const relative = written.replace(/^\$\{path\.root\}\/?|^\{\{\s*template_dir\s*\}\}\/?/, '');
  if (/\$\{|\{\{/.test(relative)) return undefined;
  const file = isAbsolute(relative) ? relative : join(dirname(provisioner.pos.file), relative);
  let text = out.scripts[file];
  if (text === undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      out.errors.push({
        message: `script "${written}" cannot be read (${code} at ${file}); paths are relative to the template's directory`,
        pos: expr.pos,
      });
      return undefined;
    }
    out.scripts[file] = text;
  }
  return fileText(file, new LineIndex(text), text);
}
