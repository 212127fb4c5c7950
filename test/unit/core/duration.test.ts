import { describe, expect, it } from 'vitest';
import { durationSeconds as parseDuration } from '../../../src/core/duration.js';

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
