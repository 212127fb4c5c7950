import { ipv4FromProc, ipv6FromProc } from '../ipaddr.js';
import type { ResourceDef } from './api.js';
import { allAttrs, failure, sharedId, value } from './api.js';

const PROBE = 'sockets';
const TABLES = ['tcp', 'tcp6', 'udp', 'udp6'] as const;
type Table = (typeof TABLES)[number];

/** TCP_LISTEN; for UDP every bound socket counts (0x07 = unconnected). */
const LISTEN_STATE: Record<Table, string> = { tcp: '0A', tcp6: '0A', udp: '07', udp6: '07' };

/** goss `port`: `tcp:22`, `tcp6:443`, `udp:53`, `udp6:53` or a bare port (tcp), from /proc/net. */
export const port: ResourceDef = {
  type: 'port',
  keyAttr: 'port',
  required: 'listening',
  gate: 'listening',
  attributes: [{ key: 'listening' }, { key: 'ip' }],
  options: [],
  plan(_spec, _id, plan) {
    const id = sharedId(PROBE);
    plan.shared(PROBE, TABLES.map((t) => `_igf ${id} ${t} /proc/net/${t}`).join('\n'));
  },
  facts(spec, _id, frames) {
    const m = /^(?:(tcp|tcp6|udp|udp6):)?(\d{1,5})$/.exec(spec.key);
    if (!m)
      return allAttrs(['listening', 'ip'], failure(`port ${spec.key}: expected PROTO:PORT like tcp:22`));
    const table = (m[1] ?? 'tcp') as Table;
    const text = frames.text(sharedId(PROBE), table);
    if (text === undefined)
      return allAttrs(['listening', 'ip'], failure(`could not read /proc/net/${table} on the target`));
    const ips = listeningIps(text, table, Number(m[2]));
    return { listening: value(ips.length > 0), ip: value(ips) };
  },
};

/** Addresses bound to `port` in one /proc/net table, in Go's text form (`0.0.0.0`, `::`). */
export function listeningIps(table: string, kind: Table, port: number): string[] {
  const ips = new Set<string>();
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const [hexIp, hexPort] = (f[1] ?? '').split(':');
    if (!hexIp || !hexPort || f[3] !== LISTEN_STATE[kind] || Number.parseInt(hexPort, 16) !== port) continue;
    ips.add(hexIp.length === 8 ? ipv4FromProc(hexIp) : ipv6FromProc(hexIp));
  }
  return [...ips];
}
