import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * Where Packer finds the files a template names (`script`, `scripts`, a file provisioner's
 * `source`). Packer resolves a relative path against the directory it runs in, not the
 * template's folder, and repositories differ: imagegate builds run Packer in the template's
 * folder, kubernetes-sigs/image-builder runs it from a parent (`./packer/files/…`),
 * puppetlabs-packer from a sibling (`../../common/scripts/…`). Without a known working
 * directory, lint looks where Packer could have been started from and reports a file only
 * when it exists nowhere there.
 */
export interface PathOptions {
  /** The directory Packer runs in (`--packer-dir`, `lint.packerDir`). When set, it is the only answer. */
  packerDir?: string;
  /** Outermost directories lint may search up to (the lint arguments, the working directory). */
  roots?: string[];
}

export type Resolved = { file: string } | { missing: string };

/** `${path.root}` / `{{template_dir}}` name the template's folder whatever the working directory. */
const TEMPLATE_DIR = /^\$\{path\.root\}\/?|^\{\{\s*template_dir\s*\}\}\/?/;

/**
 * Resolve a path as written in a template file. `undefined` for paths computed at build time
 * (`${var.x}`, `{{user …}}`): they cannot be known, so they are neither read nor reported.
 */
export function resolveTemplatePath(
  written: string,
  templateFile: string,
  opts: PathOptions,
): Resolved | undefined {
  const found = locate(written, templateFile, opts);
  // A finding in a script or an upload reads like one in the template: relative when the
  // template was named relative to the working directory, and the file is under it.
  if (found !== undefined && 'file' in found && !isAbsolute(templateFile)) {
    const rel = relative(process.cwd(), found.file);
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) return { file: rel };
  }
  return found;
}

function locate(written: string, templateFile: string, opts: PathOptions): Resolved | undefined {
  const templateDir = dirname(resolve(templateFile));
  const pinned = TEMPLATE_DIR.test(written);
  const path = written.replace(TEMPLATE_DIR, '');
  if (/\$\{|\{\{/.test(path)) return undefined;
  // An absolute path names the build host's file system, which need not be this one.
  if (isAbsolute(path)) return existsSync(path) ? { file: path } : undefined;
  if (pinned) {
    const file = join(templateDir, path);
    return existsSync(file) ? { file } : { missing: `${file} does not exist` };
  }
  if (opts.packerDir !== undefined) {
    const file = resolve(opts.packerDir, path);
    return existsSync(file)
      ? { file }
      : { missing: `${file} does not exist (relative to the Packer working directory ${opts.packerDir})` };
  }
  const inTemplateDir = join(templateDir, path);
  if (existsSync(inTemplateDir)) return { file: inTemplateDir };
  // `../../common/x.sh` run from two levels below some folder: the part after the `..`s
  // must exist under that folder, which is the template's folder or one of its parents.
  const tail = path.split(/[\\/]/).filter((s) => s !== '.' && s !== '..' && s !== '');
  const top = outermost(templateDir, opts.roots ?? []);
  for (let dir = templateDir; ; dir = dirname(dir)) {
    const file = join(dir, ...tail);
    if (tail.length > 0 && existsSync(file)) return { file };
    if (dir === top || dirname(dir) === dir) break;
  }
  // A path the repository's .gitignore names is made before the build (by a wrapper or an
  // earlier step), not missing.
  if (ignoredByGit(tail, templateDir, top)) return undefined;
  return {
    missing: `it is neither in the template's folder (${templateDir}) nor under a parent up to ${top}; Packer reads it relative to the directory it runs in: pass --packer-dir (or lint.packerDir) if that is elsewhere`,
  };
}

/** The outermost root containing `dir`, else `dir` itself: lint never searches outside what it was given. */
function outermost(dir: string, roots: readonly string[]): string {
  let best = dir;
  for (const root of roots.map((r) => resolve(r))) {
    const rel = relative(root, dir);
    const inside = rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
    if (inside && root.split(sep).length < best.split(sep).length) best = root;
  }
  return best;
}

/** Whether a .gitignore between `from` and `top` ignores the path's first segment (`tmp/x` by `tmp/`). */
function ignoredByGit(tail: readonly string[], from: string, top: string): boolean {
  const first = tail[0];
  if (first === undefined) return false;
  for (let dir = from; ; dir = dirname(dir)) {
    for (const pattern of gitignore(join(dir, '.gitignore'))) if (pattern.test(first)) return true;
    if (dir === top || dirname(dir) === dir) return false;
  }
}

const ignoreCache = new Map<string, RegExp[]>();

/** Simple .gitignore lines as regexes over one path segment; negations and nested paths are skipped. */
function gitignore(file: string): RegExp[] {
  let patterns = ignoreCache.get(file);
  if (patterns !== undefined) return patterns;
  patterns = [];
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // No .gitignore here.
  }
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim().replace(/^\//, '').replace(/\/$/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!') || line.includes('/')) continue;
    const re = line
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]');
    patterns.push(new RegExp(`^${re}$`));
  }
  ignoreCache.set(file, patterns);
  return patterns;
}
