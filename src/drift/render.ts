/** The text summary of a drift run: one line per host, then what each finding is about. */
import type { DriftReport, HostReport } from './model.js';

const LABEL: Record<HostReport['status'], string> = {
  ok: 'ok',
  drift: 'DRIFT',
  unpromoted: 'UNPROMOTED',
  retired: 'RETIRED',
  superseded: 'superseded',
  unreachable: 'UNREACHABLE',
};

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => `${by}${l}`)
    .join('\n');
}

export function renderDriftText(report: DriftReport): string {
  const s = report.summary;
  const lines: string[] = [];
  const width = Math.max(4, ...report.hosts.map((h) => h.host.length));
  for (const h of report.hosts) {
    const also = h.findings.slice(1).map((f) => LABEL[f]);
    lines.push(
      `${h.host.padEnd(width)}  ${LABEL[h.status].padEnd(11)}  ${h.image ?? '(image unknown)'}${also.length ? `  (also ${also.join(', ')})` : ''}`,
    );
  }
  for (const h of report.hosts.filter((x) => x.status !== 'ok')) {
    lines.push('', `${h.host} (${h.target}, ${h.source}):`);
    for (const r of h.reasons) lines.push(`  ${r}`);
    for (const d of h.drifted)
      lines.push(`  drift: ${d.type}: ${d.id}: ${d.property} (${d.was})`, indent(d.now, '    '));
    if (h.successor)
      lines.push(
        `  newer promoted image: ${h.successor.reference} (${h.successor.id}, tested ${h.successor.testedAt})`,
      );
  }
  const notes = report.hosts.filter((h) => h.unverified.length > 0 || h.changedSuites.length > 0);
  for (const h of notes) {
    lines.push('', `${h.host}: note:`);
    if (h.changedSuites.length)
      lines.push(`  suites changed since the image was tested: ${h.changedSuites.join(', ')}`);
    for (const u of h.unverified)
      lines.push(`  failing, but not passed at promotion (not drift): ${u.type}: ${u.id}: ${u.property}`);
  }
  const skipped = report.hosts.reduce((n, h) => n + h.skipped.length, 0);
  lines.push(
    '',
    `${s.hosts} host${s.hosts === 1 ? '' : 's'}: ${s.ok} ok, ${s.drift} drifted, ${s.unpromoted} unpromoted, ` +
      `${s.retired} retired, ${s.superseded} superseded, ${s.unreachable} unreachable` +
      (skipped ? `; ${skipped} boot-only or skipped check(s) not run (--format json lists them)` : ''),
  );
  return lines.join('\n');
}
