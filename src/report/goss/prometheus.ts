import type { SuiteRun, TestResult } from '../../suite/result.js';
import type { GossOptions, Rendered } from './common.js';
import { ordered } from './common.js';

const OUTCOME = ['pass', 'fail', 'skip'] as const;

function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** goss's overall outcome: fail if anything failed, else pass if anything passed, else skip. */
function runOutcome(results: TestResult[]): string {
  if (results.some((r) => r.result === 1)) return 'fail';
  if (results.some((r) => r.result === 0)) return 'pass';
  return results.length > 0 ? 'skip' : 'unknown';
}

/**
 * Prometheus text exposition with goss v0.4's metrics: per-type outcome counts and durations
 * (milliseconds), and the run's overall outcome. `-o verbose` adds a resource_id label. Like
 * goss, this format always exits 0: the metrics carry the outcome.
 */
export function prometheus(run: SuiteRun, opts: GossOptions): Rendered {
  const results = ordered(run, opts);
  const series = new Map<string, { labels: string; n: number; ms: number }>();
  for (const r of results) {
    const pairs: [string, string][] = [['outcome', OUTCOME[r.result]]];
    if (opts.verbose) pairs.push(['resource_id', r['resource-id']]);
    pairs.push(['type', r['resource-type'].toLowerCase()]);
    const labels = pairs.map(([k, v]) => `${k}="${label(v)}"`).join(',');
    const e = series.get(labels) ?? { labels, n: 0, ms: 0 };
    e.n += 1;
    // Go's Duration.Milliseconds() truncates each test's duration.
    e.ms += Math.trunc(r.duration / 1e6);
    series.set(labels, e);
  }
  const sorted = [...series.values()].sort((a, b) =>
    a.labels < b.labels ? -1 : a.labels > b.labels ? 1 : 0,
  );
  const outcome = runOutcome(results);
  const family = (name: string, help: string, lines: string[]) => [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} counter`,
    ...lines,
  ];
  const lines = [
    ...family(
      'goss_tests_outcomes_duration_milliseconds',
      'The duration of tests from this run. Note; tests run concurrently.',
      sorted.map((e) => `goss_tests_outcomes_duration_milliseconds{${e.labels}} ${e.ms}`),
    ),
    ...family(
      'goss_tests_outcomes_total',
      'The number of test-outcomes from this run.',
      sorted.map((e) => `goss_tests_outcomes_total{${e.labels}} ${e.n}`),
    ),
    ...family('goss_tests_run_duration_milliseconds', 'The end-to-end duration of this run.', [
      `goss_tests_run_duration_milliseconds{outcome="${outcome}"} ${Math.trunc(run.summary['total-duration'] / 1e6)}`,
    ]),
    ...family('goss_tests_run_outcomes_total', 'The outcomes of this run as a whole.', [
      `goss_tests_run_outcomes_total{outcome="${outcome}"} 1`,
    ]),
  ];
  return { text: `${lines.join('\n')}\n`, exitCode: 0 };
}
