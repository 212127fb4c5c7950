import { describe, expect, it } from 'vitest';
import { ipv4FromProc, ipv6FromProc } from '../../../../src/suite/ipaddr.js';
import { listeningIps, port } from '../../../../src/suite/resources/port.js';
import { frames, spec } from './helpers.js';

// Real /proc/net excerpts: sshd on 0.0.0.0:22 and [::]:22, 127.0.0.1:631 listening,
// an established connection to :22, and a UDP socket on 127.0.0.53:53.
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0277 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0
   2: 0200000A:0016 0300000A:D431 01 00000000:00000000 02:000A7C1B 00000000     0        0 3 4 0000000000000000 20 4 30 10 -1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 5 1 0000000000000000 100 0 0 10 0
`;
const UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  1: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 6 2 0000000000000000 0
`;

describe('port', () => {
  it('finds listening sockets per table, ignoring connections', () => {
    expect(listeningIps(TCP, 'tcp', 22)).toEqual(['0.0.0.0']);
    expect(listeningIps(TCP, 'tcp', 631)).toEqual(['127.0.0.1']);
    expect(listeningIps(TCP, 'tcp', 54321)).toEqual([]);
    expect(listeningIps(TCP6, 'tcp6', 22)).toEqual(['::']);
    expect(listeningIps(TCP6, 'tcp6', 8080)).toEqual(['127.0.0.1']);
    expect(listeningIps(UDP, 'udp', 53)).toEqual(['127.0.0.53']);
  });

  it('renders /proc addresses the way Go prints them', () => {
    expect(ipv4FromProc('0100007F')).toBe('127.0.0.1');
    expect(ipv6FromProc('00000000000000000000000001000000')).toBe('::1');
    expect(ipv6FromProc('000080FE00000000FF005042EE0011FE')).toBe('fe80::4250:ff:fe11:ee');
    expect(ipv6FromProc('B80D0120000000000000000001000000')).toBe('2001:db8::1');
  });

  it('defaults a bare port to tcp and rejects malformed keys', () => {
    const f = frames(['_sockets', 'tcp', TCP], ['_sockets', 'udp', UDP]);
    expect(port.facts(spec('port', '22'), 'r0', f)).toEqual({
      listening: { value: true },
      ip: { value: ['0.0.0.0'] },
    });
    expect(port.facts(spec('port', 'udp:53'), 'r0', f).listening).toEqual({ value: true });
    expect(port.facts(spec('port', 'tcp:23'), 'r0', f).listening).toEqual({ value: false });
    expect(port.facts(spec('port', 'sctp:22'), 'r0', f).listening).toEqual({
      error: expect.stringMatching(/PROTO:PORT/),
    });
    expect(port.facts(spec('port', 'tcp6:22'), 'r0', f).listening).toEqual({
      error: expect.stringMatching(/tcp6/),
    });
  });
});
