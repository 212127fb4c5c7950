import { describe, expect, it } from 'vitest';
import { addrsFromIp, addrsFromProc } from '../../../../src/suite/resources/interface.js';

describe('interface', () => {
  it('reads `ip -o addr`', () => {
    const ip = `1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever
1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever
7: eth0@if8    inet 172.17.0.2/16 brd 172.17.255.255 scope global eth0\\       valid_lft forever preferred_lft forever
`;
    expect(addrsFromIp(ip, 'eth0')).toEqual(['172.17.0.2/16']);
    expect(addrsFromIp(ip, 'lo')).toEqual(['127.0.0.1/8', '::1/128']);
  });

  it('falls back to fib_trie, route and if_inet6 where iproute2 is missing', () => {
    const trie = `Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 172.17.0.0/16 2 0 2
        |-- 172.17.0.2
           /32 host LOCAL
Local:
  +-- 127.0.0.0/8 2 0 2
     |-- 127.0.0.1
        /32 host LOCAL
`;
    const route = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010011AC\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
`;
    const inet6 =
      'fe800000000000000042acfffe110002 07 40 20 80     eth0\n00000000000000000000000000000001 01 80 10 80       lo\n';
    expect(addrsFromProc(trie, route, inet6, 'eth0')).toEqual(['172.17.0.2/16', 'fe80::42:acff:fe11:2/64']);
    expect(addrsFromProc(trie, route, inet6, 'lo')).toEqual(['127.0.0.1/8', '::1/128']);
  });
});
