import type { PruneReport } from './rows.js';

/** Machine-readable: every decision with its full image record and structured reasons. */
export function renderJson(r: PruneReport): string {
  const { plan } = r;
  return `${JSON.stringify(
    {
      dryRun: r.dryRun,
      generatedAt: plan.generatedAt,
      summary: plan.summary,
      failures: plan.failures,
      decisions: plan.decisions.map((d) => ({
        imageId: d.image.id,
        account: d.image.account,
        region: d.image.region,
        group: d.group ?? null,
        name: d.image.name,
        creationDate: d.image.creationDate,
        state: d.image.state,
        deprecationTime: d.image.deprecationTime ?? null,
        snapshotIds: d.image.snapshotIds,
        action: d.action,
        reasons: d.reasons,
      })),
      ...(r.apply ? { apply: r.apply } : {}),
    },
    null,
    2,
  )}\n`;
}
