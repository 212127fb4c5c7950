/**
 * Durations as imagegate.yaml and the CLI write them: `250ms`, `90s`, `15m`, `2h`, `1d`, or
 * plain seconds. One parser for every setting (ttl, timeouts, --older-than, readiness).
 */
export function durationSeconds(text: string): number | undefined {
  const m = /^(\d+)\s*(ms|[smhd]?)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { '': 1, ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[
    m[2] as '' | 'ms' | 's' | 'm' | 'h' | 'd'
  ];
  return Number(m[1]) * unit;
}
