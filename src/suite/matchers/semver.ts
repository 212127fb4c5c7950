// The two modules used, not semver's index: that loads every range and function (~25 ms).
import SemVer from 'semver/classes/semver.js';
import parse from 'semver/functions/parse.js';
import { invalidArg, MatchError, type Matcher } from './core.js';

/**
 * semver-constraint with goss's syntax (blang/semver ranges): comparators `>`, `>=`, `<`, `<=`,
 * `=`, `==`, `!=`, `!` (or none, meaning `=`) joined by spaces (AND) and `||` (OR), e.g.
 * `">1.0.0 <2.0.0 !=1.5.0 || >=3.0.0"`. Versions are strict semver; a pre-release is compared by
 * plain semver precedence (4.0.0-rc1 < 4.0.0), unlike npm ranges. `1.x` wildcards are accepted as
 * goss does (unofficially). The fact may be one version or a list: every version must satisfy.
 */
type Check = (v: SemVer) => boolean;

const COMPARATOR = /^(>=|<=|==|!=|>|<|=|!)?\s*(\S+)$/;

function parseVersion(s: string): SemVer | null {
  // Strict parse; npm's parser also accepts a leading `v` and `=`, which blang does not.
  if (/^[v=]/i.test(s)) return null;
  return parse(s, { loose: false });
}

function wildcard(op: string, v: string): Check | null {
  const m = /^(\d+)\.(?:[xX*]|(\d+)\.[xX*])$/.exec(v);
  if (!m) return null;
  const major = Number(m[1]);
  const minor = m[2] === undefined ? undefined : Number(m[2]);
  const lo = new SemVer(`${major}.${minor ?? 0}.0`);
  const hi = new SemVer(minor === undefined ? `${major + 1}.0.0` : `${major}.${minor + 1}.0`);
  switch (op) {
    case '>':
      return (x) => x.compare(hi) >= 0;
    case '>=':
      return (x) => x.compare(lo) >= 0;
    case '<':
      return (x) => x.compare(lo) < 0;
    case '<=':
      return (x) => x.compare(hi) < 0;
    case '!=':
    case '!':
      return (x) => x.compare(lo) < 0 || x.compare(hi) >= 0;
    default:
      return (x) => x.compare(lo) >= 0 && x.compare(hi) < 0;
  }
}

/** Parse a constraint; null when it is not valid goss syntax. */
function parseConstraint(text: string): Check | null {
  const alternatives = text.split('||').map((alt) => {
    // Allow a space between operator and version (`< 1.5.0`), as blang does.
    const parts = alt
      .trim()
      .replace(/(>=|<=|==|!=|>|<|=|!)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean);
    if (parts.length === 0) return null;
    const checks: Check[] = [];
    for (const part of parts) {
      const m = COMPARATOR.exec(part);
      if (!m) return null;
      const op = m[1] ?? '=';
      const wc = wildcard(op, m[2]!);
      if (wc) {
        checks.push(wc);
        continue;
      }
      const v = parseVersion(m[2]!);
      if (!v) return null;
      const cmp = (x: SemVer) => x.compare(v);
      const byOp: Record<string, Check> = {
        '>': (x) => cmp(x) > 0,
        '>=': (x) => cmp(x) >= 0,
        '<': (x) => cmp(x) < 0,
        '<=': (x) => cmp(x) <= 0,
        '=': (x) => cmp(x) === 0,
        '==': (x) => cmp(x) === 0,
        '!=': (x) => cmp(x) !== 0,
        '!': (x) => cmp(x) !== 0,
      };
      checks.push(byOp[op]!);
    }
    return (x: SemVer) => checks.every((c) => c(x));
  });
  if (alternatives.some((a) => a === null)) return null;
  return (x) => alternatives.some((a) => a!(x));
}

function toVersions(actual: unknown): SemVer[] | null {
  const list = typeof actual === 'string' ? [actual] : Array.isArray(actual) ? actual : null;
  if (!list || list.length === 0) return null;
  const out: SemVer[] = [];
  for (const s of list) {
    const v = typeof s === 'string' ? parseVersion(s) : null;
    if (!v) return null;
    out.push(v);
  }
  return out;
}

export function semverConstraint(value: unknown): Matcher {
  if (typeof value !== 'string') throw invalidArg('semver-constraint', 'string', value);
  const check = parseConstraint(value);
  return {
    match(actual) {
      if (!check) throw new MatchError(`Expected a valid semver constraint.  Got: ${JSON.stringify(value)}`);
      const versions = toVersions(actual);
      if (!versions) {
        throw new MatchError(
          `Expected a single or list of semver valid version(s).  Got: ${JSON.stringify(actual)}`,
        );
      }
      return versions.every(check);
    },
    failure: (actual) => ({ message: 'to satisfy semver constraint', actual, expected: value }),
    negatedFailure: (actual) => ({ message: 'not to satisfy semver constraint', actual, expected: value }),
    toJSON: () => ({ 'semver-constraint': value }),
  };
}
