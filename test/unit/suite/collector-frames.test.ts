import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildCollector } from '../../../src/suite/collector.js';
import { parseFrames } from '../../../src/suite/frames.js';

const M = '@ig-0123456789abcdef0123456789abcdef';

describe('parseFrames', () => {
  it('reads raw and base64 block frames', () => {
    const payload = Buffer.from('line one\nline two\n\u0000\u00ff end');
    const b64 = payload.toString('base64');
    const out = [
      `${M} r0 exists r true`,
      `${M} r0 stat r 644|12|0|0|root|root|regular file`,
      `${M} r0 contents b`,
      b64.slice(0, 10),
      b64.slice(10),
      `${M} .`,
      `${M} _done done r 1`,
    ].join('\n');
    const f = parseFrames(out, M);
    expect(f.text('r0', 'exists')).toBe('true');
    expect(f.text('r0', 'stat')).toBe('644|12|0|0|root|root|regular file');
    expect(f.bytes('r0', 'contents')).toEqual(payload);
    expect(f.has('_done', 'done')).toBe(true);
    expect(f.has('r0', 'missing')).toBe(false);
  });

  it('reads od hex blocks (targets without base64)', () => {
    const f = parseFrames(`${M} r1 out x\n 68 69 0a\n ff\n${M} .\n`, M);
    expect(f.bytes('r1', 'out')).toEqual(Buffer.from([0x68, 0x69, 0x0a, 0xff]));
  });

  it('keeps every value of a repeated key, and the last as the value', () => {
    const f = parseFrames(`${M} r2 level r 2.d/S01x\n${M} r2 level r 3.d/S01x\n`, M);
    expect(f.all('r2', 'level')).toEqual(['2.d/S01x', '3.d/S01x']);
    expect(f.text('r2', 'level')).toBe('3.d/S01x');
  });

  it('ignores stray output and frames under any other marker', () => {
    const forged = '@ig-ffffffffffffffffffffffffffffffff';
    const out = [
      'garbage before',
      `${forged} r0 exists r false`,
      `${M}r0 exists r false`,
      `${M} r0 exists r true`,
      `not a frame ${M} r0 exists r false`,
      `${M} malformed`,
    ].join('\n');
    const f = parseFrames(out, M);
    expect(f.all('r0', 'exists')).toEqual(['true']);
    expect(f.size).toBe(1);
  });

  it('round-trips arbitrary bytes through the real collector helpers in sh', () => {
    // Run the preamble's framing helpers in a local sh and parse what they print.
    const { script, marker } = buildCollector([]);
    const bytes = Buffer.from([0, 1, 2, 10, 13, 255, 254, 64, 105, 103, 45, 32, 10]);
    const body = script.replace(
      /_igr _done done 1\n/,
      `printf '${[...bytes].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('')}' | _igb t data\n_igr _done done 1\n`,
    );
    const out = execFileSync('sh', ['-s'], { input: body, encoding: 'utf8' });
    const f = parseFrames(out, marker);
    expect(f.bytes('t', 'data')).toEqual(bytes);
    expect(f.has('_done', 'done')).toBe(true);
  });
});
