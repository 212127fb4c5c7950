import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeProgress, outputLine } from '../../../src/cli/progress.js';

function plainStream() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (t: string) => lines.push(t) } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

describe('progress in CI (no TTY)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('prints a heartbeat for unfinished units when nothing was said for a while', () => {
    const { stream, lines } = plainStream();
    const p = makeProgress(stream, { heartbeatMs: 30_000 });
    p.update('web', 'building', 'provisioner 2');
    p.update('worker', 'passed');
    vi.advanceTimersByTime(29_000);
    expect(lines).toHaveLength(2);
    vi.advanceTimersByTime(6_000);
    expect(lines.slice(2)).toEqual([
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\] web still building \(3\ds\)\n$/),
    ]);
    p.done();
    vi.advanceTimersByTime(120_000);
    expect(lines).toHaveLength(3);
  });

  it('repeats nothing: a line only when a unit says something new', () => {
    const { stream, lines } = plainStream();
    const p = makeProgress(stream, { heartbeatMs: 30_000 });
    p.update('web', 'building', 'step');
    p.update('web', 'building', 'step');
    p.update('web', 'passed');
    expect(lines.map((l) => l.replace(/^\[[^\]]+\] /, ''))).toEqual(['web building: step\n', 'web passed\n']);
    p.done();
  });
});

describe('outputLine (build -v)', () => {
  it("prefixes a provisioner's line with image and build, without Packer's own prefix", () => {
    expect(outputLine('web', 'docker.web', 'docker.web: Reading package lists...')).toMatch(
      /^\[\d\d:\d\d:\d\d\] web docker\.web \| Reading package lists\.\.\.\n$/,
    );
    expect(outputLine('web', 'docker.web', 'docker.web (docker-tag):   indented')).toMatch(
      /\| {3}indented\n$/,
    );
    expect(outputLine('web', 'docker.web', 'unprefixed')).toMatch(/\| unprefixed\n$/);
  });
});

describe('plain progress on a terminal (build -v)', () => {
  it('writes lines instead of redrawing, so streamed output is not overwritten', () => {
    const lines: string[] = [];
    const stream = {
      isTTY: true,
      columns: 80,
      write: (t: string) => lines.push(t),
    } as unknown as NodeJS.WriteStream;
    const p = makeProgress(stream, { plain: true });
    p.update('web docker.web', 'building', 'step 1');
    p.done();
    expect(lines.join('')).not.toContain('\u001b[');
    expect(lines.join('')).toMatch(/web docker\.web building: step 1\n/);
  });
});
