import { type PruneReport, type Row, rows, summaryLine } from './rows.js';

const COLUMNS: Array<[keyof Row, string]> = [
  ['account', 'ACCOUNT'],
  ['region', 'REGION'],
  ['group', 'GROUP'],
  ['imageId', 'IMAGE'],
  ['name', 'NAME'],
  ['created', 'CREATED'],
  ['state', 'STATE'],
  ['action', 'ACTION'],
  ['reasons', 'REASONS'],
];

/** Plain aligned columns for a terminal; the last column (reasons) is not padded. */
export function renderTable(r: PruneReport): string {
  const body = rows(r.plan.decisions);
  const widths = COLUMNS.map(([k, h]) => Math.max(h.length, ...body.map((row) => row[k].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [summaryLine(r)];
  for (const f of r.plan.failures) out.push(`INCOMPLETE ${f.account}/${f.region} ${f.source}: ${f.error}`);
  out.push('', line(COLUMNS.map(([, h]) => h)));
  for (const row of body) out.push(line(COLUMNS.map(([k]) => row[k])));
  if (r.apply) {
    out.push('', 'OUTCOMES');
    for (const o of [...r.apply.resumed, ...r.apply.outcomes]) {
      out.push(`${o.status.padEnd(7)}  ${o.account}/${o.region}  ${o.imageId}  ${o.action}  ${o.detail}`);
    }
  }
  return `${out.join('\n')}\n`;
}
