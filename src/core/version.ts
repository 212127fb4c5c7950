import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
export const VERSION: string = pkg.version;

/**
 * `--version`: the package version, plus the commit it was built from when imagegate runs from
 * a git checkout (`0.1.0+g1a2b3c4`, `-dirty` with uncommitted changes). Spawns git, so only
 * `--version` pays for it.
 */
export function describeVersion(): string {
  if (!existsSync(`${root}.git`)) return VERSION;
  try {
    const git = (args: string[]) =>
      execFileSync('git', ['-C', root, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    const sha = git(['rev-parse', '--short=12', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
    return `${VERSION}+g${sha}${dirty ? '-dirty' : ''}`;
  } catch {
    return VERSION;
  }
}
