import type { Server } from 'node:net';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsLookup, formatIPv6, parseServer, reverseName } from '../../../src/suite/dns-client.js';
import { encodeName, startDnsServer } from '../../helpers/dns-server.js';

let server: Server;
let at = '';
const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const dial = (host: string, port: number): Promise<Duplex> =>
  new Promise((resolve, reject) => {
    const s = connect({ host, port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
const ask = (host: string, type: string) => dnsLookup(host, type, at, dial, 2000);

beforeAll(async () => {
  const zone: [string, number, Buffer][] = [
    ['www.example.test.', 1, Buffer.from([192, 0, 2, 7])],
    ['www.example.test.', 28, Buffer.from('20010db8000000000000000000000001', 'hex')],
    ['alias.example.test.', 5, encodeName('www.example.test')],
    ['example.test.', 15, Buffer.concat([u16(10), encodeName('mail.example.test')])],
    ['example.test.', 2, encodeName('ns1.example.test')],
    [
      '_sip._tcp.example.test.',
      33,
      Buffer.concat([u16(1), u16(5), u16(5060), encodeName('sip.example.test')]),
    ],
    ['example.test.', 16, Buffer.from('\u0005hello\u0005world')],
    ['example.test.', 257, Buffer.concat([Buffer.from([0, 5]), Buffer.from('issueletsencrypt.org')])],
    ['7.2.0.192.in-addr.arpa.', 12, encodeName('www.example.test')],
  ];
  const s = await startDnsServer(zone);
  server = s.server;
  at = `127.0.0.1:${s.port}`;
});
afterAll(() => {
  server.close();
});

describe("goss's DNS queries over TCP, without dig", () => {
  it('answers every record type goss supports, as miekg prints them', async () => {
    expect(await ask('www.example.test', 'A')).toEqual(['192.0.2.7']);
    expect(await ask('www.example.test', 'AAAA')).toEqual(['2001:db8::1']);
    expect(await ask('www.example.test', '')).toEqual(['192.0.2.7', '2001:db8::1']);
    expect(await ask('alias.example.test', 'CNAME')).toEqual(['www.example.test.']);
    expect(await ask('example.test', 'MX')).toEqual(['10 mail.example.test.']);
    expect(await ask('example.test', 'NS')).toEqual(['ns1.example.test.']);
    expect(await ask('_sip._tcp.example.test', 'SRV')).toEqual(['1 5 5060 sip.example.test.']);
    expect(await ask('example.test', 'TXT')).toEqual(['hello', 'world']);
    expect(await ask('example.test', 'CAA')).toEqual(['0 issue letsencrypt.org']);
    expect(await ask('192.0.2.7', 'PTR')).toEqual(['www.example.test.']);
  });

  it('a name that does not exist has no answers; a server that is not there is an error', async () => {
    expect(await ask('nope.example.test', 'A')).toEqual([]);
    await expect(dnsLookup('x.test', 'A', '127.0.0.1:1', dial, 500)).rejects.toThrow(/ECONNREFUSED/);
    await expect(ask('not-an-ip', 'PTR')).rejects.toThrow('unrecognized address: not-an-ip');
  });

  it('reads servers and prints addresses as goss does', () => {
    expect(parseServer('10.0.0.2')).toEqual({ host: '10.0.0.2', port: 53 });
    expect(parseServer('10.0.0.2:5353')).toEqual({ host: '10.0.0.2', port: 5353 });
    expect(parseServer('[2001:db8::53]:5353')).toEqual({ host: '2001:db8::53', port: 5353 });
    expect(reverseName('2001:db8::1')).toBe(
      '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.',
    );
    expect(formatIPv6(Buffer.from('00000000000000000000ffff01020304', 'hex'))).toBe('::ffff:1.2.3.4');
    expect(formatIPv6(Buffer.from('20010db8000100000000000000000000', 'hex'))).toBe('2001:db8:1::');
  });
});
