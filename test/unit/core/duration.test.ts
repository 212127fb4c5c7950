import { describe, expect, it } from 'vitest';
import {
  MAX_TIMER_MS,
  durationSeconds as parseDuration,
  timerMilliseconds,
} from '../../../src/core/duration.js';

describe('durationSeconds', () => {
  it('parses durations and rejects anything else', () => {
    expect([
      parseDuration('90'),
      parseDuration('90s'),
      parseDuration('15m'),
      parseDuration('2h'),
      parseDuration('1d'),
    ]).toEqual([90, 90, 900, 7200, 86400]);
    expect(parseDuration('250ms')).toBeCloseTo(0.25);
    expect(parseDuration('2 hours')).toBeUndefined();
    expect(parseDuration('-5m')).toBeUndefined();
  });
});

describe('timerMilliseconds', () => {
  it('rejects durations past what a Node timer holds (600h used to fire after 1 ms)', () => {
    expect(timerMilliseconds('600h')).toEqual({
      problem: expect.stringMatching(/longer than the longest timer/),
    });
    expect(timerMilliseconds('25d')).toEqual({
      problem: expect.stringMatching(/longer than the longest timer/),
    });
    expect(timerMilliseconds('24d')).toEqual({ ms: 24 * 86_400_000 });
    expect(timerMilliseconds(`${MAX_TIMER_MS}ms`)).toEqual({ ms: MAX_TIMER_MS });
    expect(timerMilliseconds(`${MAX_TIMER_MS + 1}ms`)).toHaveProperty('problem');
    expect(timerMilliseconds('soon')).toEqual({ problem: expect.stringMatching(/invalid duration "soon"/) });
  });

  it('the limit is where Node stops honouring a delay', async () => {
    // Node warns (TimeoutOverflowWarning) and fires after 1 ms past MAX_TIMER_MS: the reason for the limit.
    const fired = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(true), MAX_TIMER_MS + 1);
      setTimeout(() => {
        clearTimeout(t);
        resolve(false);
      }, 50);
    });
    expect(fired).toBe(true);
  });
});
