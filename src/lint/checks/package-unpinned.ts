import { type CheckModule, compileRegex, fill } from '../check-api.js';
import { hasShellProvisioner } from '../query.js';
import { hasAnyFlag, positionals } from '../shell-args.js';
import type { Hit } from '../types.js';

/**
 * Package installs that name packages without a version: the same template installs
 * something different next month. Each package manager is described by data: which
 * commands/subcommands install, which options take a value, what a pinned package looks like,
 * and which arguments are not package names at all (local files, URLs, shell variables).
 */
export interface PackageManagerSpec {
  name: string;
  commands: string[];
  subcommands: string[];
  optionsWithValue?: string[];
  /** Regex a package argument must match to count as pinned (`=` for apt, `==` for pip). */
  pinned: string;
  /** Options that pin every package of the command (`gem install x -v 1.2`). */
  pinFlags?: string[];
  /** Example of the pinned form, for the message. */
  example: string;
}

export interface PackageUnpinnedParams {
  managers: PackageManagerSpec[];
  /** Arguments that are not package names: paths, URLs, shell expansions. */
  skip: string;
  /** Placeholders: {manager}, {packages}, {example}. */
  message: string;
}

export const packageUnpinned: CheckModule<PackageUnpinnedParams> = {
  applies: (_p, template) => hasShellProvisioner(template),
  prepare(p) {
    const skip = compileRegex(p.skip, 'skip');
    const managers = p.managers.map((m) => ({ ...m, pinnedRe: compileRegex(m.pinned, `${m.name}.pinned`) }));
    return (template) => {
      const hits: Hit[] = [];
      for (const cmd of template.shell) {
        const m = managers.find((x) => x.commands.includes(cmd.name));
        if (!m) continue;
        const [sub, ...packages] = positionals(cmd.args, m.optionsWithValue);
        if (sub === undefined || !m.subcommands.includes(sub)) continue;
        if (m.pinFlags && hasAnyFlag(cmd.args, m.pinFlags)) continue;
        const unpinned = packages.filter((pkg) => !skip.test(pkg) && !m.pinnedRe.test(pkg));
        if (unpinned.length === 0) continue;
        hits.push({
          message: fill(p.message, { manager: m.name, packages: unpinned.join(', '), example: m.example }),
          pos: cmd.pos,
        });
      }
      return hits;
    };
  },
};
