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

/**
 * Node's timers hold at most 2^31-1 ms (about 24.8 days); a longer delay is silently replaced by
 * 1 ms, so `timeout: 600h` would kill a build at once. Durations used as timers stop here.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Milliseconds of a duration used as a timer, or why it cannot be one. */
export function timerMilliseconds(text: string): { ms: number } | { problem: string } {
  const seconds = durationSeconds(text);
  if (seconds === undefined) {
    return { problem: `invalid duration "${text}": use a number with ms, s, m or h (e.g. 45m)` };
  }
  const ms = Math.round(seconds * 1000);
  if (ms > MAX_TIMER_MS) {
    return { problem: `duration "${text}" is longer than the longest timer Node can hold (24d 20h 31m)` };
  }
  return { ms };
}
