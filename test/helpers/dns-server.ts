import { createServer, type Server } from 'node:net';

/**
 * A DNS server over TCP that answers from a fixed zone, for testing queries without dig:
 * records are [name, type, rdata bytes]. Unknown names get NXDOMAIN.
 */
export type ZoneRecord = [name: string, type: number, rdata: Buffer];

export function encodeName(name: string): Buffer {
  const parts = name
    .replace(/\.$/, '')
    .split('.')
    .filter(Boolean)
    .flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  return Buffer.concat([...parts, Buffer.from([0])]);
}

export function startDnsServer(
  zone: ZoneRecord[],
  host = '127.0.0.1',
): Promise<{ server: Server; port: number }> {
  const server = createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (b: Buffer) => {
      buf = Buffer.concat([buf, b]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      const q = buf.subarray(2, 2 + buf.readUInt16BE(0));
      let off = 12;
      const labels: string[] = [];
      while (q[off] !== 0) {
        labels.push(q.subarray(off + 1, off + 1 + q[off]!).toString());
        off += 1 + q[off]!;
      }
      const qEnd = off + 5;
      const name = `${labels.join('.')}.`.toLowerCase();
      const qtype = q.readUInt16BE(off + 1);
      const known = zone.some(([n]) => n === name);
      const answers = zone.filter(([n, t]) => n === name && (t === qtype || t === 5));
      const head = Buffer.from(q.subarray(0, 12));
      head.writeUInt16BE(0x8180 | (known ? 0 : 3), 2);
      head.writeUInt16BE(answers.length, 6);
      const body = answers.map(([, t, rd]) => {
        const rr = Buffer.alloc(10);
        rr.writeUInt16BE(t, 0);
        rr.writeUInt16BE(1, 2);
        rr.writeUInt32BE(60, 4);
        rr.writeUInt16BE(rd.length, 8);
        return Buffer.concat([Buffer.from([0xc0, 0x0c]), rr, rd]);
      });
      const msg = Buffer.concat([head, q.subarray(12, qEnd), ...body]);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      sock.end(Buffer.concat([len, msg]));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, host, () => resolve({ server, port: (server.address() as { port: number }).port })),
  );
}
