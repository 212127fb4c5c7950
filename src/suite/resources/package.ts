import type { PackageType, ResourceDef } from './api.js';
import { allAttrs, failure, sharedId, stringOption, value } from './api.js';

const PROBE = 'packages';
const ID = sharedId(PROBE);

/**
 * The first package manager found dumps its whole database once, as `name<TAB>version` lines
 * (dpkg also its status), so a suite checking 100 packages costs one process, not 100.
 */
const DUMP: Record<'apk' | 'dpkg' | 'pacman' | 'rpm', { tool: string; sh: string }> = {
  apk: { tool: 'apk', sh: 'apk info -v 2>/dev/null' },
  dpkg: {
    tool: 'dpkg-query',
    sh: `dpkg-query -W -f '\${Package}\\t\${Version}\\t\${db:Status-Status}\\n' 2>/dev/null`,
  },
  pacman: { tool: 'pacman', sh: 'pacman -Q 2>/dev/null' },
  rpm: { tool: 'rpm', sh: "rpm -qa --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\n' 2>/dev/null" },
};
const ORDER = ['apk', 'dpkg', 'pacman', 'rpm'] as const;
/** goss's --package names → the database imagegate reads. */
const FORCED: Record<PackageType, (typeof ORDER)[number]> = {
  apk: 'apk',
  deb: 'dpkg',
  pacman: 'pacman',
  rpm: 'rpm',
};

/** The probe: the first manager found, or with --package only that one. */
function probeSh(forced: PackageType | undefined): string {
  const managers = forced ? [FORCED[forced]] : ORDER;
  const branches = managers.map(
    (m, i) =>
      `${i === 0 ? 'if' : 'elif'} command -v ${DUMP[m].tool} >/dev/null 2>&1; then\n  _igr ${ID} manager ${m}; ${DUMP[m].sh} | _igb ${ID} db`,
  );
  return [...branches, 'else', `  _igr ${ID} manager none`, 'fi'].join('\n');
}

/** goss `package` for dpkg, rpm, apk and pacman, auto-detected on the target. */
export const pkg: ResourceDef = {
  type: 'package',
  keyAttr: 'name',
  required: 'installed',
  gate: 'installed',
  attributes: [{ key: 'installed' }, { key: 'versions' }],
  options: ['name'],
  plan(_spec, _id, plan) {
    plan.shared(PROBE, probeSh(plan.settings.packageType));
  },
  facts(spec, _id, frames) {
    const keys = ['installed', 'versions'];
    const manager = frames.text(ID, 'manager');
    if (manager === undefined)
      return allAttrs(keys, failure('not collected: the collector script stopped early'));
    if (manager === 'none') {
      return allAttrs(
        keys,
        failure(
          'no supported package manager (dpkg, rpm, apk, pacman) found on the target, or not the one --package names',
        ),
      );
    }
    const name = stringOption(spec, 'name') ?? spec.key;
    const versions = installedVersions(manager, frames.text(ID, 'db') ?? '', name);
    if (versions.length === 0)
      return { installed: value(false), versions: failure(`package ${name} is not installed`) };
    return { installed: value(true), versions: value(versions) };
  },
};

/** Versions of `name` installed, from one package manager's database dump. */
export function installedVersions(manager: string, db: string, name: string): string[] {
  const found = new Set<string>();
  for (const line of db.split('\n')) {
    if (manager === 'apk') {
      // `apk info -v` prints NAME-VERSION-rN; the name itself may contain dashes.
      const m = /^(.+)-([^-]+-r\d+)$/.exec(line.trim());
      if (m?.[1] === name) found.add(m[2]!);
      continue;
    }
    const [pkgName, version, status] = manager === 'pacman' ? line.trim().split(' ') : line.split('\t');
    if (pkgName !== name || !version) continue;
    // dpkg remembers removed packages whose config files remain; those are not installed.
    if (manager === 'dpkg' && status !== 'installed') continue;
    found.add(version);
  }
  return [...found];
}
