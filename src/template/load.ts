import { readdirSync, readFileSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { parseHcl } from './hcl-parse.js';
import type { Template } from './model.js';
import { packerFromHcl } from './packer-blocks.js';
import { extractShell } from './shell.js';

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
 * it took over (bench/RESULTS.md, "Lint").
 */
export async function loadTemplates(paths: string[]): Promise<Template[]> {
  const templates: Template[] = [];
  for (const path of paths) templates.push(await loadTemplate(path));
  return templates;
}

/**
 * Read one template: a directory (all its `*.pkr.hcl`, `*.pkr.json` and `*.auto.pkrvars.hcl`,
 * as Packer reads it) or a single file (`*.pkr.hcl`, `*.pkr.json`, `*.pkrvars.hcl`, or a
 * legacy `*.json`). Syntax problems are returned in `syntaxErrors`, never thrown; only
 * unreadable paths throw.
 */
export async function loadTemplate(path: string): Promise<Template> {
  const isDir = statOrThrow(path).isDirectory();
  if (!isDir && path.endsWith('.json') && !path.endsWith('.pkr.json')) return loadLegacyJson(path);
  const files = isDir ? directoryFiles(path) : [path];
  const texts = Object.fromEntries(files.map((f) => [f, readOrThrow(f)] as const));
  // The JSON readers (and jsonc-parser, ~20 ms to load) load only for JSON files.
  const json = files.some((f) => !f.endsWith('.hcl')) ? await import('./hcl-json.js') : undefined;
  const parsed = files.map((file) =>
    file.endsWith('.hcl') ? parseHcl(file, texts[file]!) : json!.parseHclJson(file, texts[file]!),
  );
  const parts = packerFromHcl(parsed);
  const shell = await extractShell(parts.builds);
  const { errors, ...model } = parts;
  return {
    format: 'hcl2',
    path,
    files: [...files, ...Object.keys(shell.scripts)],
    ...model,
    shell: shell.shell,
    env: shell.env,
    comments: [...parsed.flatMap((f) => f.comments), ...shell.comments],
    syntaxErrors: [...parsed.flatMap((f) => f.errors), ...errors, ...shell.errors],
    text: { ...texts, ...shell.scripts },
  };
}

async function loadLegacyJson(path: string): Promise<Template> {
  const text = readOrThrow(path);
  const json = (await import('./legacy-json.js')).parseLegacyJson(path, text);
  const shell = await extractShell(json.builds);
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
