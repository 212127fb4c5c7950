import { readFileSync, statSync } from 'node:fs';
import type { SyntaxProblem } from './hcl-parse.js';
import { fileText, joinLines, type MappedText, mappedText, maskGoTemplates } from './mapped-text.js';
import type { Build, EnvAssignment, Expr, Provisioner, ShellCommand } from './model.js';
import { attr, stringValue } from './packer-blocks.js';
import { type PathOptions, resolveTemplatePath } from './paths.js';
import { LineIndex } from './position.js';
import { type FoundCommand, type ShellScan, scanShell } from './shell-commands.js';
import { UploadReader } from './uploads.js';

export interface ShellExtraction {
  shell: ShellCommand[];
  env: EnvAssignment[];
  comments: { text: string; pos: ShellCommand['pos'] }[];
  errors: SyntaxProblem[];
  /** Script files read, by the path findings use. */
  scripts: Record<string, string>;
  /** Files a provisioner names that exist nowhere Packer could find them. */
  missing: SyntaxProblem[];
  /** What file provisioners upload, read as text (uploads.ts). */
  uploads: UploadReader;
  /**
   * Each script file's scan, once: six builds (or file-per-template templates) running one
   * script share its commands. Parsing it per build cost most of the CPU on
   * actions/runner-images' templates.
   */
  scans: Map<string, ShellScan>;
}

const SHELL_PROVISIONERS = new Set(['shell', 'shell-local']);

/**
 * Every command of every shell and PowerShell provisioner, in build order, with its true
 * position. A PowerShell script's file is a scan of its own kind: a `.ps1` run by both a
 * shell and a powershell provisioner is not a case worth a cache key.
 */
export async function extractShell(
  builds: Build[],
  paths: PathOptions = {},
  scans: Map<string, ShellScan> = new Map(),
): Promise<ShellExtraction> {
  const out: ShellExtraction = {
    shell: [],
    env: [],
    comments: [],
    errors: [],
    scripts: {},
    missing: [],
    uploads: new UploadReader(),
    scans,
  };
  // The PowerShell grammar loads (once per process) only when a template has PowerShell to read.
  let ps: Scanner | undefined;
  for (const build of builds) {
    for (const provisioner of build.provisioners) {
      if (SHELL_PROVISIONERS.has(provisioner.type)) {
        extractProvisioner(scanShell, provisioner, out, paths);
      } else if (provisioner.type === 'powershell') {
        ps ??= await powerShellScanner();
        extractProvisioner(ps, provisioner, out, paths);
      } else if (provisioner.type === 'file') checkUploadSource(provisioner, out, paths);
    }
  }
  return out;
}

/** A file provisioner uploads `source` (a file or folder) unless it downloads. */
function checkUploadSource(provisioner: Provisioner, out: ShellExtraction, paths: PathOptions): void {
  if (stringValue(attr(provisioner.body, 'direction')?.value) === 'download') return;
  // `generated = true`: the file is made during the build, so it need not exist yet.
  const generated = attr(provisioner.body, 'generated')?.value;
  if (generated?.kind === 'literal' && (generated.value === true || generated.value === 'true')) return;
  const expr = attr(provisioner.body, 'source')?.value;
  const written = expr === undefined ? undefined : mappedText(expr)?.text;
  if (expr === undefined || written === undefined) return;
  const found = resolveTemplatePath(written, provisioner.pos.file, paths);
  if (found !== undefined && 'missing' in found) {
    out.missing.push({ message: `file "${written}" to upload is missing: ${found.missing}`, pos: expr.pos });
  } else if (found !== undefined) out.uploads.add(found.file);
}

/** Scans one text: bash for shell provisioners, PowerShell for powershell ones. */
type Scanner = (text: MappedText) => ShellScan;

/**
 * The PowerShell reader, imported on first use: web-tree-sitter's module and the grammar's
 * wasm are a cost a template without PowerShell need not pay.
 */
async function powerShellScanner(): Promise<Scanner> {
  const [{ powershellParser }, { scanPowerShell }] = await Promise.all([
    import('./tree-sitter.js'),
    import('./powershell.js'),
  ]);
  const parser = await powershellParser();
  return (text) => scanPowerShell(parser, text);
}

function extractProvisioner(
  scanner: Scanner,
  provisioner: Provisioner,
  out: ShellExtraction,
  paths: PathOptions,
): void {
  const body = provisioner.body;
  const add = (text: MappedText | undefined, via: ShellCommand['origin']['via']): void => {
    if (text === undefined) return;
    const isScript = via === 'script' || via === 'scripts';
    const cached = isScript ? out.scans.get(text.file) : undefined;
    const scan = cached ?? scanner(isScript ? text : maskGoTemplates(text));
    if (isScript && cached === undefined) out.scans.set(text.file, scan);
    // A file's comments and errors are reported once per template, however many builds run it.
    if (cached === undefined || !out.shell.some((c) => c.pos.file === text.file)) {
      out.comments.push(...scan.comments);
      out.errors.push(...scan.errors);
    }
    for (const found of scan.commands) out.shell.push(withOrigin(found, provisioner, via));
  };
  // `command` is shell-local's single-command form of `inline`.
  for (const name of ['inline', 'command']) {
    const value = attr(body, name)?.value;
    const lines = value?.kind === 'tuple' ? value.items : value === undefined ? [] : [value];
    add(joinLines(lines.flatMap((item) => mappedText(item) ?? [])), 'inline');
  }
  const script = attr(body, 'script')?.value;
  if (script !== undefined) add(readScript(provisioner, script, out, paths), 'script');
  const scripts = attr(body, 'scripts')?.value;
  for (const item of scripts?.kind === 'tuple' ? scripts.items : []) {
    add(readScript(provisioner, item, out, paths), 'scripts');
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
 * Read a `script`/`scripts` file where Packer would find it (src/template/paths.ts). A
 * computed path cannot be known before a build and is left alone; a file found nowhere is
 * reported as missing, which is not a syntax problem: the template itself reads fine.
 */
function readScript(
  provisioner: Provisioner,
  expr: Expr,
  out: ShellExtraction,
  paths: PathOptions,
): MappedText | undefined {
  const written = mappedText(expr)?.text;
  if (written === undefined) return undefined;
  const found = resolveTemplatePath(written, provisioner.pos.file, paths);
  if (found === undefined) return undefined;
  if ('missing' in found) {
    out.missing.push({ message: `script "${written}" is missing: ${found.missing}`, pos: expr.pos });
    return undefined;
  }
  const file = found.file;
  let text = out.scripts[file];
  if (text === undefined) {
    try {
      // A folder named as a script is Packer's error too, but not a missing file.
      text = statSync(file).isDirectory() ? '' : readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      out.missing.push({ message: `script "${written}" cannot be read (${code} at ${file})`, pos: expr.pos });
      return undefined;
    }
    out.scripts[file] = text;
  }
  return fileText(file, new LineIndex(text), text);
}
