/**
 * The control view: which results are evidence for which compliance control (e.g. a CIS
 * benchmark section), and how much of each control the artifacts in the report cover.
 *
 * Evidence comes from three places: a policy's `controls:` list, a suite resource's
 * `meta.controls` / `meta.cis`, and imagegate.yaml `controls:` mapping a control id to policy
 * ids or suite check selectors:
 *   `apt-noninteractive` or `policy:apt-noninteractive`  a lint policy
 *   `suite:builtin:cleanup`                              every check of a suite
 *   `file:/etc/ssh/sshd_config`, `service:ssh#running`   a resource (optionally one property)
 * `*` matches any run of characters in a selector.
 *
 * A policy the lint found not applicable to an artifact's template (an AMI policy on a docker
 * image) counts neither pass nor fail there: a control whose evidence is only such policies is
 * not applicable (n/a); one with evidence that applied but judged nothing is not covered.
 */
import type {
  ArtifactSection,
  CheckRow,
  ControlEvidence,
  ControlRow,
  PolicyInfo,
  ResourceGroup,
} from './types.js';

interface CheckSelector {
  /** Exact resource (`file\u0000/etc/passwd`, type lower-cased): looked up, not scanned. */
  resource?: string;
  suite?: RegExp;
  type?: RegExp;
  id?: RegExp;
  property?: RegExp;
}

type Spec =
  | { kind: 'policy'; ref: string; via: ControlEvidence['via'] }
  | { kind: 'check'; ref: string; via: ControlEvidence['via']; match: CheckSelector };

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
}

function resourceKey(r: Pick<ResourceGroup, 'type' | 'id'>): string {
  return `${r.type.toLowerCase()}\u0000${r.id}`;
}

/** Parse one entry of imagegate.yaml `controls:`. */
export function parseSelector(selector: string): Spec {
  if (selector.startsWith('policy:')) return { kind: 'policy', ref: selector.slice(7), via: 'config' };
  if (selector.startsWith('suite:')) {
    return { kind: 'check', ref: selector, via: 'config', match: { suite: glob(selector.slice(6)) } };
  }
  const colon = selector.indexOf(':');
  if (colon < 0) return { kind: 'policy', ref: selector, via: 'config' };
  const type = selector.slice(0, colon);
  let id = selector.slice(colon + 1);
  let property: RegExp | undefined;
  const hash = /#([A-Za-z][A-Za-z0-9_-]*)$/.exec(id);
  if (hash) {
    property = glob(hash[1]!);
    id = id.slice(0, hash.index);
  }
  // goss prints types capitalised (`File`); selectors are usually written as in gossfiles (`file`).
  const match: CheckSelector = { type: new RegExp(glob(type).source, 'i'), id: glob(id) };
  if (property) match.property = property;
  return { kind: 'check', ref: selector, via: 'config', match };
}

/** Control ids a suite resource's meta names: `meta.controls` (list or string) and `meta.cis`. */
export function metaControls(meta: Record<string, unknown> | null): string[] {
  if (!meta) return [];
  const out: string[] = [];
  for (const key of ['controls', 'cis']) {
    const v = meta[key];
    const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
    for (const item of list) {
      if (typeof item === 'string' || typeof item === 'number') {
        const id = String(item).trim();
        if (id !== '') out.push(key === 'cis' && !/^cis/i.test(id) ? `CIS-${id}` : id);
      }
    }
  }
  return out;
}

function collectSpecs(
  artifacts: readonly ArtifactSection[],
  policies: readonly PolicyInfo[],
  config: Record<string, string[]>,
): Map<string, Spec[]> {
  const byControl = new Map<string, Spec[]>();
  const add = (control: string, spec: Spec) => {
    const list = byControl.get(control) ?? [];
    if (!list.some((s) => s.kind === spec.kind && s.ref === spec.ref)) list.push(spec);
    byControl.set(control, list);
  };
  for (const p of policies) for (const c of p.controls) add(c, { kind: 'policy', ref: p.id, via: 'policy' });
  for (const [control, selectors] of Object.entries(config)) {
    for (const sel of selectors) add(control, parseSelector(sel));
  }
  for (const a of artifacts) {
    for (const s of a.suites) {
      for (const r of s.resources) {
        for (const c of r.controls) {
          add(c, {
            kind: 'check',
            ref: `${r.type.toLowerCase()}:${r.id}`,
            via: 'meta',
            match: { resource: resourceKey(r) },
          });
        }
      }
    }
  }
  return byControl;
}

interface Located {
  anchor: string;
  suite: string;
  resource: ResourceGroup;
}

/** Resources a check selector names, across artifacts. */
function* selected(
  m: CheckSelector,
  all: readonly Located[],
  index: ReadonlyMap<string, Located[]>,
): Iterable<Located> {
  if (m.resource !== undefined) {
    yield* index.get(m.resource) ?? [];
    return;
  }
  for (const l of all) {
    if (m.suite && !m.suite.test(l.suite)) continue;
    if ((m.type && !m.type.test(l.resource.type)) || (m.id && !m.id.test(l.resource.id))) continue;
    yield l;
  }
}

/** Build the control table from intact artifacts only: tampered evidence proves nothing. */
export function buildControls(
  artifacts: readonly ArtifactSection[],
  policies: readonly PolicyInfo[],
  config: Record<string, string[]>,
): ControlRow[] {
  const all: Located[] = artifacts.flatMap((a) =>
    a.suites.flatMap((s) => s.resources.map((resource) => ({ anchor: a.anchor, suite: s.name, resource }))),
  );
  const index = new Map<string, Located[]>();
  for (const l of all) {
    const k = resourceKey(l.resource);
    index.set(k, [...(index.get(k) ?? []), l]);
  }
  const rows: ControlRow[] = [];
  for (const [id, specs] of collectSpecs(artifacts, policies, config)) {
    const covered = new Set<string>();
    // A check or policy result counts once per control, however many selectors name it; a
    // check row is its own key (one object per evaluated property).
    const counted = new Map<CheckRow | string, 'pass' | 'fail' | 'skip'>();
    const evidence = specs.map((spec): ControlEvidence => {
      const ev: ControlEvidence = {
        kind: spec.kind,
        ref: spec.ref,
        via: spec.via,
        pass: 0,
        fail: 0,
        skip: 0,
      };
      if (spec.kind === 'policy') {
        ev.notApplicable = 0;
        for (const a of artifacts) {
          if (!a.lint.evaluated) continue;
          const failed = a.lint.findings.some((f) => f.policy === spec.ref);
          // Silence from a policy with nothing to judge is not evidence of compliance.
          if (!failed && a.lint.notApplicable.includes(spec.ref)) {
            ev.notApplicable++;
            continue;
          }
          const status = failed ? 'fail' : 'pass';
          ev[status]++;
          counted.set(`${a.anchor}\u0000policy\u0000${spec.ref}`, status);
          covered.add(a.anchor);
        }
        return ev;
      }
      for (const l of selected(spec.match, all, index)) {
        for (const c of l.resource.checks) {
          if (spec.match.property && !spec.match.property.test(c.property)) continue;
          ev[c.status]++;
          counted.set(c, c.status);
          if (c.status !== 'skip') covered.add(l.anchor);
        }
      }
      return ev;
    });
    const total = { pass: 0, fail: 0, skip: 0 };
    for (const status of counted.values()) total[status]++;
    // n/a only when nothing could apply: no check matched and every policy was n/a everywhere.
    const onlyNotApplicable =
      evidence.some((e) => (e.notApplicable ?? 0) > 0) &&
      evidence.every((e) => e.pass + e.fail + e.skip === 0);
    const status =
      total.fail > 0
        ? 'fail'
        : total.pass > 0
          ? 'pass'
          : onlyNotApplicable
            ? 'not-applicable'
            : 'not-covered';
    rows.push({ id, status, evidence, coveredArtifacts: covered.size, ...total });
  }
  return rows.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}
