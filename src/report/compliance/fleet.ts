/**
 * The fleet section: hosts × drift, from the JSON `imagegate drift --format json` writes. The
 * report reads it as an input file (like lint results), so it needs only the fields it shows.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../../core/errors.js';
import { html, md } from './escape.js';

export interface FleetHost {
  host: string;
  status: string;
  image?: string;
  findings: string[];
  /** `type: id: property` of each drifted check. */
  drifted: string[];
  reasons: string[];
}

export interface FleetSection {
  file: string;
  at: string;
  hosts: FleetHost[];
  summary: Record<string, number>;
}

const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s) => typeof s === 'string') : []);

export function loadFleet(file: string): FleetSection {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      err instanceof SyntaxError
        ? 'not valid JSON (write it with `imagegate drift --format json`)'
        : code === 'ENOENT'
          ? 'no such file or directory'
          : code === 'EACCES'
            ? 'permission denied'
            : `cannot be read (${code ?? (err as Error).message})`;
    throw new UserError(`--drift ${file}: ${why}`);
  }
  const r = raw as { schema?: unknown; at?: unknown; hosts?: unknown; summary?: unknown };
  if (r?.schema !== 'imagegate.drift/v1' || !Array.isArray(r.hosts))
    throw new UserError(
      `--drift ${file}: not a drift report (write one with \`imagegate drift --format json\`)`,
    );
  const hosts = (r.hosts as Record<string, unknown>[]).map((h) => ({
    host: String(h.host ?? '?'),
    status: String(h.status ?? '?'),
    ...(typeof h.image === 'string' ? { image: h.image } : {}),
    findings: strings(h.findings),
    drifted: (Array.isArray(h.drifted) ? (h.drifted as Record<string, unknown>[]) : []).map(
      (d) => `${String(d.type)}: ${String(d.id)}: ${String(d.property)}`,
    ),
    reasons: strings(h.reasons),
  }));
  const summary = Object.fromEntries(
    Object.entries((r.summary ?? {}) as Record<string, unknown>).filter(([, v]) => typeof v === 'number'),
  ) as Record<string, number>;
  return { file, at: String(r.at ?? ''), hosts, summary };
}

function line(f: FleetSection): string {
  const s = f.summary;
  return `${s.hosts ?? f.hosts.length} hosts checked ${f.at}: ${s.ok ?? 0} ok, ${s.drift ?? 0} drifted, ${s.unpromoted ?? 0} unpromoted, ${s.retired ?? 0} retired, ${s.superseded ?? 0} superseded, ${s.unreachable ?? 0} unreachable`;
}

function detail(h: FleetHost): string {
  return [...h.drifted, ...h.reasons].join('\n');
}

export function fleetMarkdown(fleets: readonly FleetSection[]): string {
  return fleets
    .map((f) =>
      [
        '### Fleet (drift)',
        md(line(f)),
        '',
        '| Host | Status | Image | Detail |',
        '| --- | --- | --- | --- |',
        ...f.hosts.map(
          (h) =>
            `| ${md(h.host)} | ${md(h.findings.join(', ') || 'ok')} | ${md(h.image ?? '')} | ${md(detail(h))} |`,
        ),
      ].join('\n'),
    )
    .join('\n\n');
}

export function fleetHtml(fleets: readonly FleetSection[]): string {
  return fleets
    .map((f) => {
      const rows = f.hosts
        .map(
          (h) =>
            `<tr><td class="mono">${html(h.host)}</td><td>${html(h.findings.join(', ') || 'ok')}</td>` +
            `<td class="mono">${html(h.image ?? '')}</td><td class="msg">${detail(h).split('\n').map(html).join('<br>')}</td></tr>`,
        )
        .join('');
      return (
        `<section class="block" id="fleet"><h2>Fleet (drift)</h2><p class="muted">${html(line(f))} · ${html(f.file)}</p>` +
        `<table><thead><tr><th>Host</th><th>Status</th><th>Image</th><th>Detail</th></tr></thead><tbody>${rows}</tbody></table></section>`
      );
    })
    .join('\n');
}
