import { describe, expect, it } from 'vitest';
import { loadReadiness } from '../../../src/gate/suites.js';

describe('readiness timers', () => {
  it('takes a duration as milliseconds', async () => {
    const r = await loadReadiness(
      { suite: 'builtin:cleanup', retryTimeout: '90s', sleep: '250ms' },
      '.',
      [],
      undefined,
    );
    expect([r.retryTimeoutMs, r.sleepMs]).toEqual([90_000, 250]);
  });

  it('refuses a duration past the timer limit instead of letting it fire at once', async () => {
    await expect(
      loadReadiness({ suite: 'builtin:cleanup', retryTimeout: '600h' }, '.', [], undefined),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(
        /^test\.\*\.readiness\.retryTimeout: duration "600h" is longer than the longest timer/,
      ),
    });
  });
});
