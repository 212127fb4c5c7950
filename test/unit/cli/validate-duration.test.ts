import { describe, expect, it } from 'vitest';
import { parseGoDuration } from '../../../src/cli/options.js';

describe('parseGoDuration (goss --retry-timeout / --sleep)', () => {
  it('reads Go duration syntax in milliseconds', () => {
    expect(parseGoDuration('500ms', '--sleep')).toBe(500);
    expect(parseGoDuration('10s', '--sleep')).toBe(10_000);
    expect(parseGoDuration('1m30s', '--retry-timeout')).toBe(90_000);
    expect(parseGoDuration('1.5h', '--retry-timeout')).toBe(5_400_000);
    expect(parseGoDuration('0', '--sleep')).toBe(0);
  });

  it('rejects anything else with exit 78, naming the flag', () => {
    for (const bad of ['10', 'soon', '5 s', '1m30', '-1s', '']) {
      expect(() => parseGoDuration(bad, '--retry-timeout')).toThrow(
        expect.objectContaining({ exitCode: 78, message: expect.stringContaining('--retry-timeout') }),
      );
    }
  });
});
