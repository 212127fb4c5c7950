import { describe, expect, it } from 'vitest';
import { FrameDemuxer } from '../../../src/transports/docker-frames.js';

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('FrameDemuxer', () => {
  it('separates stdout and stderr frames arriving in one chunk', () => {
    const d = new FrameDemuxer();
    d.push(Buffer.concat([frame(1, 'out1 '), frame(2, 'err'), frame(1, 'out2')]));
    expect(Buffer.concat(d.stdout).toString()).toBe('out1 out2');
    expect(Buffer.concat(d.stderr).toString()).toBe('err');
    expect(d.leftover).toBe(0);
  });

  it('reassembles frames split at any byte, header included', () => {
    const all = Buffer.concat([frame(1, 'hello'), frame(2, 'world')]);
    for (let cut = 1; cut < all.length; cut++) {
      const d = new FrameDemuxer();
      d.push(all.subarray(0, cut));
      d.push(all.subarray(cut));
      expect(Buffer.concat(d.stdout).toString()).toBe('hello');
      expect(Buffer.concat(d.stderr).toString()).toBe('world');
    }
  });

  it('reports an unfinished frame as leftover bytes', () => {
    const d = new FrameDemuxer();
    d.push(frame(1, 'truncated').subarray(0, 12));
    expect(d.stdout).toEqual([]);
    expect(d.leftover).toBe(12);
  });
});
