import { goJson } from '../../suite/go-json.js';
import type { SuiteRun, TestResult } from '../../suite/result.js';
import { renderLine } from '../../suite/summary-line.js';

/** Options every goss format accepts (goss's `-o` flags plus colour). */
export interface GossOptions {
  /** `-o sort`: order results by resource type and id. */
  sort?: boolean;
  /** `-o pretty`: indented JSON. */
  pretty?: boolean;
  /** `-o verbose`: nagios lists the failures. */
  verbose?: boolean;
  /** `-o perfdata`: nagios appends performance data. */
  perfdata?: boolean;
  /** `-o exclude_raw`: leave out the untransformed value in failure text. */
  excludeRaw?: boolean;
  /** ANSI colours (the CLI passes true only on a TTY). */
  color?: boolean;
}

export interface Rendered {
  text: string;
  exitCode: number;
}

const COLORS = { red: 31, green: 32, yellow: 33 } as const;

export function paint(on: boolean | undefined, color: keyof typeof COLORS, text: string): string {
  return on ? `\u001b[${COLORS[color]}m${text}\u001b[0m` : text;
}

/** Results in goss's order, or sorted by `type:id` (stable) with `-o sort`. */
export function ordered(run: SuiteRun, opts: GossOptions): TestResult[] {
  if (!opts.sort) return run.results;
  const key = (r: TestResult) => `${r['resource-type']}:${r['resource-id']}`;
  return [...run.results].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Consecutive results of one resource form a group (goss emits one group per resource). */
export function groups(results: TestResult[]): TestResult[][] {
  const out: TestResult[][] = [];
  for (const r of results) {
    const last = out[out.length - 1];
    const head = last?.[0];
    if (head && head['resource-type'] === r['resource-type'] && head['resource-id'] === r['resource-id']) {
      last.push(r);
    } else out.push([r]);
  }
  return out;
}

export interface Counts {
  count: number;
  failed: number;
  skipped: number;
}

export function counts(results: TestResult[]): Counts {
  return {
    count: results.length,
    failed: results.filter((r) => r.result === 1).length,
    skipped: results.filter((r) => r.result === 2).length,
  };
}

/** goss's humanizeResult for a finished result, coloured by outcome when asked. */
export function humanize(r: TestResult, compact: boolean, includeRaw: boolean, color?: boolean): string {
  const line = renderLine(
    r['resource-type'],
    r['resource-id'],
    r.property,
    { result: r.result, matcher: r['matcher-result'], err: r.err },
    { compact, includeRaw },
  );
  return paint(color, r.result === 0 ? 'green' : r.result === 1 ? 'red' : 'yellow', line);
}

/** Title and sorted meta printed above a resource's results. */
export function header(r: TestResult): string {
  let out = '';
  if (r.title) out += `Title: ${r.title}\n`;
  if (r.meta) {
    out += 'Meta:\n';
    for (const k of Object.keys(r.meta).sort()) out += `    ${k}: ${goValue(r.meta[k])}\n`;
  }
  return out;
}

function goValue(v: unknown): string {
  return typeof v === 'string' ? v : goJson(v, { escapeHtml: false });
}

export function seconds(ns: number): string {
  return (ns / 1e9).toFixed(3);
}

/** `Total Duration: …` and `Count: N, Failed: N, Skipped: N`, as rspecish and documentation end. */
export function summaryBlock(run: SuiteRun, c: Counts, color?: boolean): string {
  const line = `Count: ${c.count}, Failed: ${c.failed}, Skipped: ${c.skipped}`;
  return `Total Duration: ${seconds(run.summary['total-duration'])}s\n${paint(color, c.failed > 0 ? 'red' : 'green', line)}\n`;
}

/** The `Failures/Skipped:` section, one block per resource. */
export function failedOrSkipped(results: TestResult[], includeRaw: boolean, color?: boolean): string {
  const bad = groups(results)
    .map((g) => g.filter((r) => r.result !== 0))
    .filter((g) => g.length > 0);
  if (bad.length === 0) return '';
  let s = 'Failures/Skipped:\n\n';
  for (const g of bad) {
    s += header(g[0]!);
    for (const r of g) s += `${humanize(r, false, includeRaw, color)}\n`;
    s += '\n';
  }
  return s;
}

export function exitFor(c: Counts): number {
  return c.failed > 0 ? 1 : 0;
}
