import type { SuiteRun } from '../../suite/result.js';
import { counts, exitFor, type GossOptions, ordered, type Rendered } from './common.js';

const OUTCOME = ['pass', 'fail', 'skip'] as const;

function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** Prometheus text exposition with goss's metric names (outcomes by resource type, durations). */
export function prometheus(run: SuiteRun, opts: GossOptions): Rendered {
  const results = ordered(run, opts);
  const byKey = new Map<string, { type: string; outcome: string; n: number; secs: number }>();
  for (const r of results) {
    const type = r['resource-type'].toLowerCase();
    const outcome = OUTCOME[r.result];
    const key = `${type}\u0000${outcome}`;
    const e = byKey.get(key) ?? { type, outcome, n: 0, secs: 0 };
    e.n += 1;
    e.secs += r.duration / 1e9;
    byKey.set(key, e);
  }
  // Prometheus' encoder sorts series by label values.
  const series = [...byKey.values()].sort((a, b) =>
    a.outcome === b.outcome ? (a.type < b.type ? -1 : 1) : a.outcome < b.outcome ? -1 : 1,
  );
  const ls = (e: { type: string; outcome: string }) =>
    `{outcome="${label(e.outcome)}",type="${label(e.type)}"}`;
  const lines = [
    '# HELP goss_tests_outcomes_duration_seconds The duration of tests from this run. Note; tests run concurrently.',
    '# TYPE goss_tests_outcomes_duration_seconds counter',
    ...series.map((e) => `goss_tests_outcomes_duration_seconds${ls(e)} ${e.secs}`),
    '# HELP goss_tests_outcomes_total The number of test-outcomes from this run.',
    '# TYPE goss_tests_outcomes_total counter',
    ...series.map((e) => `goss_tests_outcomes_total${ls(e)} ${e.n}`),
    '# HELP goss_tests_run_duration_seconds The end-to-end duration of this run.',
    '# TYPE goss_tests_run_duration_seconds counter',
    `goss_tests_run_duration_seconds ${run.summary['total-duration'] / 1e9}`,
  ];
  return { text: `${lines.join('\n')}\n`, exitCode: exitFor(counts(results)) };
}
