import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { parseHclJson } from './hcl-json.js';
import { parseHcl } from './hcl-parse.js';
import { parseLegacyJson } from './legacy-json.js';
import type { Template } from './model.js';
import { packerFromHcl } from './packer-blocks.js';
import { extractShell } from './shell.js';
import { hclParser } from './tree-sitter.js';

/** The files Packer reads from a template directory, in the lexical order it reads them. */
function isDirectoryMember(name: string): boolean {
  return name.endsWith('.pkr.hcl') || name.endsWith('.pkr.json') || name.endsWith('.auto.pkrvars.hcl');
}

function isTemplateFile(name: string): boolean {
  return name.endsWith('.pkr.hcl') || name.endsWith('.pkr.json');
}

/**
 * Read one template: a directory (all its `*.pkr.hcl`, `*.pkr.json` and `*.auto.pkrvars.hcl`,
 * as Packer reads it) or a single file (`*.pkr.hcl`, `*.pkr.json`, `*.pkrvars.hcl`, or a
 * legacy `*.json`). Syntax problems are returned in `syntaxErrors`, never thrown; only
 * unreadable paths throw.
 */
export async function loadTemplate(path: string): Promise<Template> {
  const isDir = (await statOrThrow(path)).isDirectory();
  if (!isDir && path.endsWith('.json') && !path.endsWith('.pkr.json')) return loadLegacyJson(path);
  const files = isDir ? await directoryFiles(path) : [path];
  const texts = Object.fromEntries(
    await Promise.all(files.map(async (f) => [f, await readOrThrow(f)] as const)),
  );
  const hcl = files.some((f) => f.endsWith('.hcl')) ? await hclParser() : undefined;
  const parsed = files.map((file) =>
    hcl === undefined || file.endsWith('.json')
      ? parseHclJson(file, texts[file]!)
      : parseHcl(hcl, file, texts[file]!),
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
  const text = await readOrThrow(path);
  const json = parseLegacyJson(path, text);
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

async function statOrThrow(path: string): Promise<Awaited<ReturnType<typeof stat>>> {
  try {
    return await stat(path);
  } catch (err) {
    throw unreadable(path, err);
  }
}

async function readOrThrow(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw unreadable(file, err);
  }
}

async function directoryFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
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
