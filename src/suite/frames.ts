/**
 * The collector's output framing. Each frame starts on a line beginning with the run's random
 * marker, which nothing on the target can predict, so a file or command printing marker-like
 * text cannot forge a frame:
 *
 *   <marker> <id> <key> r <value>        raw, one line (numbers, stat fields)
 *   <marker> <id> <key> b                base64 block: following lines until the next marker line
 *   <marker> <id> <key> x                hex block (od fallback where base64 is missing)
 *   <marker> .                           ends a block
 *
 * Block content is base64/hex, so arbitrary bytes (and newlines) survive.
 */
export class Frames {
  private readonly values = new Map<string, Buffer[]>();

  has(id: string, key: string): boolean {
    return this.values.has(`${id}\u0000${key}`);
  }

  /** Raw bytes of a frame (the last one when repeated), or undefined when never emitted. */
  bytes(id: string, key: string): Buffer | undefined {
    return this.values.get(`${id}\u0000${key}`)?.at(-1);
  }

  /** Every frame emitted under one id and key, in order (a key may repeat, e.g. runlevels). */
  all(id: string, key: string): string[] {
    return (this.values.get(`${id}\u0000${key}`) ?? []).map((b) => b.toString('utf8'));
  }

  text(id: string, key: string): string | undefined {
    return this.bytes(id, key)?.toString('utf8');
  }

  add(id: string, key: string, value: Buffer): void {
    const k = `${id}\u0000${key}`;
    const list = this.values.get(k);
    if (list) list.push(value);
    else this.values.set(k, [value]);
  }

  get size(): number {
    return this.values.size;
  }
}

export function parseFrames(stdout: string, marker: string): Frames {
  const frames = new Frames();
  const prefix = `${marker} `;
  let block: { id: string; key: string; enc: 'b' | 'x'; parts: string[] } | null = null;
  const closeBlock = (): void => {
    if (!block) return;
    const data = block.parts.join('').replace(/\s+/g, '');
    frames.add(block.id, block.key, Buffer.from(data, block.enc === 'b' ? 'base64' : 'hex'));
    block = null;
  };
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(prefix)) {
      // Only block payload lines are kept; anything else is stray output and is ignored.
      if (block) block.parts.push(line);
      continue;
    }
    closeBlock();
    const rest = line.slice(prefix.length);
    if (rest === '.') continue;
    const m = /^(\S+) (\S+) ([rbx])(?: (.*))?$/.exec(rest);
    if (!m) continue;
    const [, id, key, enc, value] = m as unknown as [
      string,
      string,
      string,
      'r' | 'b' | 'x',
      string | undefined,
    ];
    if (enc === 'r') frames.add(id, key, Buffer.from(value ?? '', 'utf8'));
    else block = { id, key, enc, parts: [] };
  }
  closeBlock();
  return frames;
}
