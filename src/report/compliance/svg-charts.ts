/**
 * Small inline SVG charts for the HTML report: horizontal stacked bars, drawn here so the
 * report needs no script library and no network. Colours are attributes, not CSS, so the
 * charts print the same as they show.
 */
import { html, truncate } from './escape.js';

export interface Series {
  key: string;
  label: string;
  color: string;
}

export interface BarRow {
  label: string;
  values: Record<string, number>;
  /** Drawn after the bar instead of the total (e.g. "TAMPERED"). */
  note?: string;
}

export interface ChartSpec {
  title: string;
  series: readonly Series[];
  rows: readonly BarRow[];
  width?: number;
}

const ROW = 24;
const BAR = 16;
const LABEL_W = 210;
const LEGEND_H = 26;

export function stackedBarChart(spec: ChartSpec): string {
  const width = spec.width ?? 640;
  const valueW = 86;
  const plotW = width - LABEL_W - valueW;
  const max = Math.max(
    1,
    ...spec.rows.map((r) => spec.series.reduce((n, s) => n + (r.values[s.key] ?? 0), 0)),
  );
  const height = LEGEND_H + Math.max(1, spec.rows.length) * ROW + 6;
  const parts: string[] = [];
  let lx = LABEL_W;
  for (const s of spec.series) {
    parts.push(
      `<rect x="${lx}" y="6" width="11" height="11" rx="2" fill="${s.color}"/>`,
      `<text x="${lx + 16}" y="15.5" font-size="11" fill="#3b4252">${html(s.label)}</text>`,
    );
    lx += 24 + s.label.length * 6.5;
  }
  spec.rows.forEach((r, i) => {
    const y = LEGEND_H + i * ROW;
    const total = spec.series.reduce((n, s) => n + (r.values[s.key] ?? 0), 0);
    parts.push(
      `<g><title>${html(`${r.label}: ${spec.series.map((s) => `${r.values[s.key] ?? 0} ${s.label}`).join(', ')}`)}</title>`,
      `<text x="${LABEL_W - 8}" y="${y + BAR - 3}" font-size="12" text-anchor="end" fill="#1f2937">${html(truncate(r.label, 30))}</text>`,
      `<rect x="${LABEL_W}" y="${y}" width="${plotW}" height="${BAR}" rx="3" fill="#eef1f5"/>`,
    );
    let x = LABEL_W;
    for (const s of spec.series) {
      const v = r.values[s.key] ?? 0;
      if (v <= 0) continue;
      const w = Math.max(2, (v / max) * plotW);
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${BAR}" fill="${s.color}"/>`,
      );
      x += w;
    }
    parts.push(
      `<text x="${width - valueW + 8}" y="${y + BAR - 3}" font-size="12" fill="${r.note ? '#b91c1c' : '#1f2937'}" font-weight="600">${html(r.note ?? String(total))}</text></g>`,
    );
  });
  if (spec.rows.length === 0) {
    parts.push(
      `<text x="${LABEL_W}" y="${LEGEND_H + 14}" font-size="12" fill="#6b7280">nothing to show</text>`,
    );
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="${html(spec.title)}" ` +
    `viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, sans-serif">` +
    `<title>${html(spec.title)}</title>${parts.join('')}</svg>`
  );
}
