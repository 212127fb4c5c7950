import { type PruneReport, rows, summaryLine } from './rows.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** For a pull request comment or a job summary: summary, incomplete scopes, decisions, outcomes. */
export function renderMarkdown(r: PruneReport): string {
  const out = ['# imagegate prune', '', summaryLine(r), ''];
  if (r.plan.failures.length > 0) {
    out.push('## Incomplete account-regions (nothing retired there)', '');
    for (const f of r.plan.failures) out.push(`- \`${f.account}/${f.region}\` ${f.source}: ${cell(f.error)}`);
    out.push('');
  }
  out.push(
    '## Decisions',
    '',
    '| Account | Region | Group | Image | Name | Created | State | Action | Reasons |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows(r.plan.decisions)) {
    const reasons = row.reasons.split('; ').map(cell).join('<br>');
    out.push(
      `| ${row.account} | ${row.region} | ${cell(row.group)} | \`${row.imageId}\` | ${cell(row.name)} | ${row.created} | ${row.state} | **${row.action}** | ${reasons} |`,
    );
  }
  if (r.apply) {
    out.push('', '## Outcomes', '', '| Status | Image | Action | Detail |', '|---|---|---|---|');
    for (const o of [...r.apply.resumed, ...r.apply.outcomes]) {
      out.push(
        `| ${o.status} | \`${o.imageId}\` (${o.account}/${o.region}) | ${o.action} | ${cell(o.detail)} |`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}
