import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * goss's DNS queries to an explicit server (system/dns.go on miekg/dns), asked by imagegate
 * itself over a TCP stream the transport opens on the target, so the target needs no dig and
 * UDP need not cross an SSH connection. Answers are printed as miekg prints them: names fully
 * qualified (`mail.example.com.`), MX `PREF NAME`, SRV `PRIO WEIGHT PORT NAME`, CAA `FLAG TAG VALUE`.
 */
export const DNS_TYPES = {
  A: 1,
  NS: 2,
  CNAME: 5,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  CAA: 257,
} as const;
export type DnsType = keyof typeof DNS_TYPES;

export type Dial = (host: string, port: number, timeoutMs: number) => Promise<Duplex>;

/** goss's parseServerString: `host`, `host:port` or `[v6]:port`; port 53 when none is given. */
export function parseServer(server: string): { host: string; port: number } {
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(server);
  if (bracket) return { host: bracket[1]!, port: Number(bracket[2]) };
  const hostPort = /^([^:]+):(\d+)$/.exec(server);
  if (hostPort) return { host: hostPort[1]!, port: Number(hostPort[2]) };
  return { host: server.replace(/^\[|\]$/g, ''), port: 53 };
}

/** miekg's dns.ReverseAddr: the in-addr.arpa / ip6.arpa name of an address. */
export function reverseName(addr: string): string {
  if (isIP(addr) === 4) return `${addr.split('.').reverse().join('.')}.in-addr.arpa.`;
  if (isIP(addr) === 6) {
    const hex = expand6(addr).replaceAll(':', '');
    return `${[...hex].reverse().join('.')}.ip6.arpa.`;
  }
  throw new Error(`unrecognized address: ${addr}`);
}

/**
 * goss's lookup for one record type against `server`: every answer of that type, in answer
 * order (the caller sorts). A plain name asks A then AAAA and ignores their errors, as goss.
 */
export async function dnsLookup(
  host: string,
  type: string,
  server: string,
  dial: Dial,
  timeoutMs: number,
): Promise<string[]> {
  const { host: sh, port } = parseServer(server);
  const ask = (name: string, t: DnsType) => query(name, t, sh, port, dial, timeoutMs);
  if (type === 'PTR') return ask(reverseName(host), 'PTR');
  if (type in DNS_TYPES) return ask(fqdn(host), type as DnsType);
  const [a, aaaa] = await Promise.all([
    ask(fqdn(host), 'A').catch(() => []),
    ask(fqdn(host), 'AAAA').catch(() => []),
  ]);
  return [...a, ...aaaa];
}

function fqdn(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

async function query(
  name: string,
  type: DnsType,
  host: string,
  port: number,
  dial: Dial,
  timeoutMs: number,
): Promise<string[]> {
  const id = randomInt(0, 0x10000);
  const msg = encodeQuery(id, name, DNS_TYPES[type]);
  const sock = await dial(host, port, timeoutMs);
  try {
    const reply = await exchange(sock, msg, timeoutMs, `${host}:${port}`);
    return decodeAnswers(reply, id, DNS_TYPES[type]);
  } finally {
    sock.destroy();
  }
}

/** A query with recursion desired, as miekg's SetQuestion builds it. */
export function encodeQuery(id: number, name: string, qtype: number): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean);
  const parts: Buffer[] = [Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of labels) {
    const b = Buffer.from(l, 'utf8');
    if (b.length > 63) throw new Error(`dns: bad rdata: label ${l} is longer than 63 bytes`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0, qtype >> 8, qtype & 0xff, 0, 1]));
  return Buffer.concat(parts);
}

function exchange(sock: Duplex, msg: Buffer, timeoutMs: number, where: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => reject(new Error(`read tcp ${where}: i/o timeout`)), timeoutMs);
    sock.on('data', (b: Buffer) => {
      buf = Buffer.concat([buf, b]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(timer);
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
    sock.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.once('end', () => {
      clearTimeout(timer);
      reject(new Error(`read tcp ${where}: EOF`));
    });
    const len = Buffer.alloc(2);
    len.writeUInt16BE(msg.length);
    sock.write(Buffer.concat([len, msg]));
  });
}

/** The answer records of `qtype` in a reply, rendered as miekg prints their values. */
export function decodeAnswers(reply: Buffer, id: number, qtype: number): string[] {
  if (reply.length < 12) throw new Error('dns: short reply');
  if (reply.readUInt16BE(0) !== id) throw new Error('dns: id mismatch');
  const qd = reply.readUInt16BE(4);
  const an = reply.readUInt16BE(6);
  let off = 12;
  for (let i = 0; i < qd; i++) off = readName(reply, off).next + 4;
  const out: string[] = [];
  for (let i = 0; i < an; i++) {
    off = readName(reply, off).next;
    const type = reply.readUInt16BE(off);
    const len = reply.readUInt16BE(off + 8);
    const start = off + 10;
    off = start + len;
    if (type !== qtype) continue;
    const rd = reply.subarray(start, start + len);
    out.push(...rdata(reply, start, rd, type));
  }
  return out;
}

function rdata(msg: Buffer, start: number, rd: Buffer, type: number): string[] {
  switch (type) {
    case DNS_TYPES.A:
      return [[...rd].join('.')];
    case DNS_TYPES.AAAA:
      return [formatIPv6(rd)];
    case DNS_TYPES.NS:
    case DNS_TYPES.CNAME:
    case DNS_TYPES.PTR:
      return [readName(msg, start).name];
    case DNS_TYPES.MX:
      return [`${rd.readUInt16BE(0)} ${readName(msg, start + 2).name}`];
    case DNS_TYPES.SRV:
      return [
        `${rd.readUInt16BE(0)} ${rd.readUInt16BE(2)} ${rd.readUInt16BE(4)} ${readName(msg, start + 6).name}`,
      ];
    case DNS_TYPES.TXT: {
      // Each character-string is one value, as miekg's TXT.Txt.
      const strings: string[] = [];
      for (let i = 0; i < rd.length; ) {
        const n = rd[i]!;
        strings.push(rd.subarray(i + 1, i + 1 + n).toString('utf8'));
        i += 1 + n;
      }
      return strings;
    }
    case DNS_TYPES.CAA: {
      const tagLen = rd[1]!;
      return [
        `${rd[0]} ${rd.subarray(2, 2 + tagLen).toString('ascii')} ${rd.subarray(2 + tagLen).toString('utf8')}`,
      ];
    }
    default:
      return [];
  }
}

/** A domain name at `off`, following compression pointers; fully qualified, as miekg prints it. */
function readName(msg: Buffer, off: number): { name: string; next: number } {
  const labels: string[] = [];
  let next = -1;
  for (let guard = 0; guard < 128; guard++) {
    const len = msg[off];
    if (len === undefined) throw new Error('dns: name runs past the reply');
    if (len === 0) {
      if (next < 0) next = off + 1;
      return { name: labels.length ? `${labels.join('.')}.` : '.', next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (next < 0) next = off + 2;
      off = ((len & 0x3f) << 8) | msg[off + 1]!;
      continue;
    }
    labels.push(msg.subarray(off + 1, off + 1 + len).toString('utf8'));
    off += 1 + len;
  }
  throw new Error('dns: compression loop');
}

/** Go's net.IP.String for 16 bytes: RFC 5952 compression, IPv4-mapped as ::ffff:a.b.c.d. */
export function formatIPv6(b: Buffer): string {
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) {
    return `::ffff:${[...b.subarray(12)].join('.')}`;
  }
  const groups = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

function expand6(addr: string): string {
  const [head, tail] = addr.includes('::') ? addr.split('::') : [addr, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => g.padStart(4, '0')).join(':');
}
