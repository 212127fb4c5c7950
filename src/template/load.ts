import { readdirSync, readFileSync, type Stats, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../core/errors.js';
import { type HclFile, parseHcl } from './hcl-parse.js';
import type { Template } from './model.js';
import { type PackerParts, packerFromHcl } from './packer-blocks.js';
import type { PathOptions } from './paths.js';
import { extractShell } from './shell.js';
import type { ShellScan } from './shell-commands.js';

export type { PathOptions };

/** The files Packer reads from a template directory, in the lexical order it reads them. */
function isDirectoryMember(name: string): boolean {
  return name.endsWith('.pkr.hcl') || name.endsWith('.pkr.json') || name.endsWith('.auto.pkrvars.hcl');
}

function isTemplateFile(name: string): boolean {
  return name.endsWith('.pkr.hcl') || name.endsWith('.pkr.json');
}

/**
 * Load many templates, in input order, on this thread. Worker threads measured slower once
 * parsing became cheap: starting one and cloning its models back cost more than the parsing
 * it took over (bench/RESULTS.md, "Lint"). A folder may come back as several templates
 * (`loadTemplateUnits`).
 */
export async function loadTemplates(paths: string[], opts: PathOptions = {}): Promise<Template[]> {
  const templates: Template[] = [];
  for (const path of paths) templates.push(...(await loadTemplateUnits(path, opts)));
  return templates;
}

/**
 * Read one template: a directory (all its `*.pkr.hcl`, `*.pkr.json` and `*.auto.pkrvars.hcl`,
 * as Packer reads it) or a single file (`*.pkr.hcl`, `*.pkr.json`, `*.pkrvars.hcl`, or a
 * legacy `*.json`). Syntax problems are returned in `syntaxErrors`, never thrown; only
 * unreadable paths throw.
 */
export async function loadTemplate(path: string, opts: PathOptions = {}): Promise<Template> {
  const isDir = statOrThrow(path).isDirectory();
  if (!isDir && path.endsWith('.json') && !path.endsWith('.pkr.json')) return loadLegacyJson(path, opts);
  const parsed = await parseFiles(isDir ? directoryFiles(path) : [path]);
  return assemble(path, parsed, packerFromHcl(parsed), opts);
}

/**
 * The templates a path holds. Packer builds a folder or a single file, and some repositories
 * keep independent templates side by side and build them one file at a time. Read as one
 * template such a folder declares every shared variable twice, which Packer would refuse;
 * when the folder fails only that way while each file stands alone, each file is its own
 * template, with a note saying so.
 */
export async function loadTemplateUnits(path: string, opts: PathOptions = {}): Promise<Template[]> {
  if (!statOrThrow(path).isDirectory()) return [await loadTemplate(path, opts)];
  const parsed = await parseFiles(directoryFiles(path));
  const whole = packerFromHcl(parsed);
  const own = parsed.filter((f) => isTemplateFile(basename(f.file)));
  if (whole.duplicates > 0 && own.length > 1) {
    const shared = parsed.filter((f) => !isTemplateFile(basename(f.file)));
    const alone = own.map((f) => packerFromHcl([f, ...shared]));
    if (alone.every((a) => a.duplicates === 0)) {
      const note = `${path}: its ${own.length} template files declare the same names, yet each stands alone, so it is linted file by file (as \`packer build FILE\` reads it)`;
      const units: Template[] = [];
      const scans = new Map<string, ShellScan>();
      for (const [i, f] of own.entries()) {
        units.push({ ...(await assemble(f.file, [f, ...shared], alone[i]!, opts, scans)), note });
      }
      return units;
    }
  }
  return [await assemble(path, parsed, whole, opts)];
}

async function parseFiles(files: string[]): Promise<HclFile[]> {
  const texts = Object.fromEntries(files.map((f) => [f, readOrThrow(f)] as const));
  // The JSON readers (and jsonc-parser, ~20 ms to load) load only for JSON files.
  const json = files.some((f) => !f.endsWith('.hcl')) ? await import('./hcl-json.js') : undefined;
  return files.map((file) =>
    file.endsWith('.hcl') ? parseHcl(file, texts[file]!) : json!.parseHclJson(file, texts[file]!),
  );
}

async function assemble(
  path: string,
  parsed: HclFile[],
  parts: PackerParts,
  opts: PathOptions,
  scans?: Map<string, ShellScan>,
): Promise<Template> {
  const shell = await extractShell(parts.builds, opts, scans);
  const { errors, duplicates: _, ...model } = parts;
  return {
    format: 'hcl2',
    path,
    files: [...parsed.map((f) => f.file), ...Object.keys(shell.scripts)],
    ...model,
    shell: shell.shell,
    env: shell.env,
    comments: [...parsed.flatMap((f) => f.comments), ...shell.comments],
    missingFiles: shell.missing,
    uploads: shell.uploads.files,
    syntaxErrors: [...parsed.flatMap((f) => f.errors), ...errors, ...shell.errors],
    text: { ...Object.fromEntries(parsed.map((f) => [f.file, f.text])), ...shell.scripts },
  };
}

async function loadLegacyJson(path: string, opts: PathOptions): Promise<Template> {
  const text = readOrThrow(path);
  const json = (await import('./legacy-json.js')).parseLegacyJson(path, text);
  const shell = await extractShell(json.builds, opts);
  return {
    format: 'json',
    path,
    files: [path, ...Object.keys(shell.scripts)],
    sources: json.sources,
    builds: json.builds,
    variables: json.variables,
    locals: [],
    requiredPlugins: [],
    variableValues: [],
    shell: shell.shell,
    env: shell.env,
    comments: shell.comments,
    missingFiles: shell.missing,
    uploads: shell.uploads.files,
    syntaxErrors: [...json.errors, ...shell.errors],
    text: { [path]: text, ...shell.scripts },
  };
}

// Reads are synchronous: a template is a few small local files, and on a 2-core machine the
// thread-pool round trips of fs/promises cost more CPU than the reads (bench/RESULTS.md, "Lint").
function statOrThrow(path: string): Stats {
  try {
    return statSync(path);
  } catch (err) {
    throw unreadable(path, err);
  }
}

function readOrThrow(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw unreadable(file, err);
  }
}

function directoryFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw unreadable(dir, err);
  }
  const files = names.filter(isDirectoryMember).sort();
  if (!files.some(isTemplateFile)) {
    throw new UserError(
      `${dir}: no *.pkr.hcl or *.pkr.json file in this directory; pass a template file or directory`,
      2,
    );
  }
  return files.map((name) => join(dir, name));
}

export function unreadable(path: string, err: unknown): UserError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : String(code);
  return new UserError(`${path}: cannot read (${why}); check the path`, 2);
}
