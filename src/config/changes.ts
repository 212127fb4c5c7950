import { execFileSync } from 'node:child_process';
import { relative, resolve, sep } from 'node:path';
import { UserError } from '../core/errors.js';

/**
 * Which images changed since a git ref: pure matching of changed paths against each image's
 * inputs, plus the git I/O that lists the changed paths.
 */
export interface ImageInputs {
  name: string;
  /** Absolute files or directories whose change means the image must be rebuilt. */
  paths: string[];
}

export interface Selection {
  name: string;
  selected: boolean;
  /** The changed paths (relative to the repo root) that selected it. */
  because: string[];
}

function within(path: string, input: string): boolean {
  return path === input || path.startsWith(input.endsWith(sep) ? input : input + sep);
}

/**
 * `configFile` changing selects every image: any entry may have changed and rebuilding too
 * much is the safe side of this decision.
 */
export function selectChanged(
  images: ImageInputs[],
  changedAbs: string[],
  repoRoot: string,
  configFile?: string,
): Selection[] {
  const config = configFile === undefined ? undefined : resolve(configFile);
  const configChanged = config !== undefined && changedAbs.includes(config);
  return images.map((img) => {
    const because = changedAbs.filter((c) => img.paths.some((p) => within(c, p)));
    if (configChanged && config !== undefined) because.push(config);
    return {
      name: img.name,
      selected: because.length > 0,
      because: because.map((c) => relative(repoRoot, c)),
    };
  });
}

export function gitRoot(cwd: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd,
      encoding: 'utf8',
      stdio: 'pipe',
    }).trim();
  } catch {
    throw new UserError(`${cwd}: not inside a git repository: --changed-since needs git history`);
  }
}

/** Files changed between REF and the working tree (committed or not), plus untracked ones. */
export function gitChangedFiles(ref: string, cwd: string): { root: string; files: string[] } {
  const root = gitRoot(cwd);
  const git = (args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: 'pipe' });
  try {
    git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new UserError(
      `--changed-since ${ref}: no such commit (fetch more history, e.g. actions/checkout fetch-depth: 0)`,
    );
  }
  const base = git(['merge-base', ref, 'HEAD']).trim() || ref;
  const diff = git(['diff', '--name-only', '--no-renames', base, '--']).split('\n');
  const untracked = git(['ls-files', '--others', '--exclude-standard']).split('\n');
  const files = [...new Set([...diff, ...untracked].filter(Boolean))].map((f) => resolve(root, f));
  return { root, files };
}
