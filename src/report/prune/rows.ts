import type { ApplyReport } from '../../retention/apply.js';
import type { Decision, Plan } from '../../retention/model.js';

/** What every format shows: the plan, and the outcome of `--apply` when there was one. */
export interface PruneReport {
  plan: Plan;
  apply?: ApplyReport;
  /** `--apply` was not given. */
  dryRun: boolean;
}

export interface Row {
  account: string;
  region: string;
  group: string;
  imageId: string;
  name: string;
  created: string;
  state: string;
  action: string;
  reasons: string;
}

export function rows(decisions: Decision[]): Row[] {
  return decisions.map((d) => ({
    account: d.image.account,
    region: d.image.region,
    group: d.group ?? '-',
    imageId: d.image.id,
    name: d.image.name,
    created: d.image.creationDate.slice(0, 10),
    state: d.image.deprecationTime && d.image.state === 'available' ? 'deprecated' : d.image.state,
    action: d.action,
    reasons: d.reasons.map((r) => `${r.code}: ${r.detail}`).join('; '),
  }));
}

export function summaryLine(r: PruneReport): string {
  const s = r.plan.summary;
  const cap = s.deletionCap === null ? 'no cap' : `cap ${s.deletionCap}, ${s.deferredByCap} deferred`;
  return (
    `${r.dryRun ? 'dry run' : 'applied'}: ${s.images} images (${s.selected} selected) in ${s.scopes} account-regions; ` +
    `deprecate ${s.deprecate}, disable ${s.disable}, deregister ${s.deregister} (${cap}), keep ${s.keep}` +
    (s.incompleteScopes > 0
      ? `; ${s.incompleteScopes} account-region(s) incomplete: nothing retired there`
      : '')
  );
}
