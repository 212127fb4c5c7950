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
 * a git checkout (`0.1.0+g1a2b3c4`, `-dirty` with uncommitted changes). One git process, and
 * only `--version` pays for it (~15 ms; --help and commands never ask).
 */
export function describeVersion(): string {
  if (!existsSync(`${root}.git`)) return VERSION;
  try {
    // --exclude=* keeps tags out: always the bare commit, with -dirty when the tree is.
    const described = execFileSync(
      'git',
      ['-C', root, 'describe', '--always', '--dirty', '--abbrev=12', '--exclude=*'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    ).trim();
    return `${VERSION}+g${described}`;
  } catch {
    return VERSION;
  }
}
