import { formatIpv6, ipv4FromProc } from '../ipaddr.js';
import { shQuote } from '../quote.js';
import type { ResourceDef } from './api.js';
import { allAttrs, checkName, failure, sharedId, value } from './api.js';

const PROBE = 'interfaces';
const ID = sharedId(PROBE);

/** `ip -o addr` where iproute2 exists; otherwise the kernel's own tables (minimal images lack `ip`). */
const PROBE_SH = [
  'if command -v ip >/dev/null 2>&1; then',
  `  ip -o addr show 2>/dev/null | _igb ${ID} ip`,
  'else',
  `  _igf ${ID} trie /proc/net/fib_trie; _igf ${ID} route /proc/net/route; _igf ${ID} inet6 /proc/net/if_inet6`,
  'fi',
].join('\n');

/** goss `interface`: exists and mtu from /sys/class/net, addrs as CIDR strings. */
export const iface: ResourceDef = {
  type: 'interface',
  keyAttr: 'name',
  required: 'exists',
  gate: 'exists',
  attributes: [{ key: 'exists' }, { key: 'addrs' }, { key: 'mtu' }],
  options: [],
  check(spec) {
    return checkName('interface name', spec.key);
  },
  plan(spec, id, plan) {
    if (spec.attrs.addrs !== undefined) plan.shared(PROBE, PROBE_SH);
    const dir = shQuote(`/sys/class/net/${spec.key}`);
    plan.inline(
      `if [ -d ${dir} ]; then _igr ${id} exists true; _igv=; IFS= read -r _igv 2>/dev/null <${dir}/mtu; ` +
        `_igr ${id} mtu "$_igv"; else _igr ${id} exists false; fi`,
    );
  },
  facts(spec, id, frames) {
    const keys = ['exists', 'addrs', 'mtu'];
    const exists = frames.text(id, 'exists');
    if (exists === undefined)
      return allAttrs(keys, failure('not collected: the collector script stopped early'));
    if (exists !== 'true')
      return { ...allAttrs(keys, failure(`interface ${spec.key} not found`)), exists: value(false) };
    const ip = frames.text(ID, 'ip');
    const addrs =
      ip !== undefined
        ? addrsFromIp(ip, spec.key)
        : addrsFromProc(
            frames.text(ID, 'trie') ?? '',
            frames.text(ID, 'route') ?? '',
            frames.text(ID, 'inet6') ?? '',
            spec.key,
          );
    return { exists: value(true), mtu: value(Number(frames.text(id, 'mtu'))), addrs: value(addrs) };
  },
};

/** `ip -o addr show` lines: `2: eth0    inet 172.17.0.2/16 brd … scope global eth0`. */
export function addrsFromIp(text: string, name: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if ((f[1] ?? '').split('@')[0] === name && (f[2] === 'inet' || f[2] === 'inet6') && f[3]) out.push(f[3]);
  }
  return out;
}

/**
 * Without iproute2: IPv4 local addresses come from fib_trie's `/32 host LOCAL` leaves, matched
 * to an interface and prefix through /proc/net/route (127/8 is loopback); IPv6 from if_inet6.
 */
export function addrsFromProc(trie: string, route: string, inet6: string, name: string): string[] {
  const routes = route
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 8)
    .map((f) => ({ iface: f[0]!, dest: ipToInt(ipv4FromProc(f[1]!)), mask: ipToInt(ipv4FromProc(f[7]!)) }))
    .filter((r) => r.mask !== 0);
  const locals = new Set<string>();
  const lines = trie.split('\n');
  lines.forEach((line, i) => {
    const m = /\|--\s+(\d+\.\d+\.\d+\.\d+)/.exec(line);
    if (m && /\/32 host LOCAL/.test(lines[i + 1] ?? '')) locals.add(m[1]!);
  });
  const out: string[] = [];
  for (const addr of locals) {
    const n = ipToInt(addr);
    if (addr.startsWith('127.')) {
      if (name === 'lo') out.push(`${addr}/8`);
      continue;
    }
    const r = routes
      .filter((x) => (n & x.mask) >>> 0 === x.dest)
      .sort((a, b) => popcount(b.mask) - popcount(a.mask))[0];
    if (r?.iface === name) out.push(`${addr}/${popcount(r.mask)}`);
  }
  for (const line of inet6.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[5] !== name || !f[0]) continue;
    const groups = f[0].match(/.{4}/g) ?? [];
    out.push(`${formatIpv6(groups.map((g) => Number.parseInt(g, 16)))}/${Number.parseInt(f[2]!, 16)}`);
  }
  return out;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, b) => ((acc << 8) | Number(b)) >>> 0, 0);
}

function popcount(n: number): number {
  let c = 0;
  for (let x = n >>> 0; x; x >>>= 1) c += x & 1;
  return c;
}
