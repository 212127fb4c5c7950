import { shQuote, shSeconds } from '../quote.js';
import type { ResourceDef } from './api.js';
import { failure, option, value } from './api.js';

/** goss's default addr timeout. */
const DEFAULT_TIMEOUT_MS = 500;

/**
 * goss `addr`: `tcp://HOST:PORT` is reachable when a TCP connection opens within `timeout`
 * (ms); the target needs perl, nc or bash (`_igtcp` tries them in that order). For `udp://`
 * goss only dials, which cannot fail for UDP, so reachable means the host resolves.
 */
export const addr: ResourceDef = {
  type: 'addr',
  keyAttr: 'address',
  required: 'reachable',
  attributes: [{ key: 'reachable' }],
  options: ['timeout', 'local-address'],
  check(spec) {
    const target = parseAddr(spec.key);
    if (target?.host.startsWith('-'))
      return `addr host "${target.host}" begins with "-" and would be read as an option`;
    return undefined;
  },
  plan(spec, id, plan) {
    const target = parseAddr(spec.key);
    if (!target) return;
    const ms = option(spec, 'timeout', 0) || DEFAULT_TIMEOUT_MS;
    const secs = shSeconds(ms);
    const host = shQuote(target.host);
    plan.parallel(
      target.proto === 'tcp'
        ? `_igtcp ${host} ${target.port} ${secs}; _igr ${id} rc $?`
        : `_iggetent ahosts ${host} >/dev/null 2>&1; _igr ${id} rc $?`,
      ms + 1_000,
    );
  },
  facts(spec, id, frames) {
    if (!parseAddr(spec.key))
      return { reachable: failure(`addr ${spec.key}: expected tcp://HOST:PORT or udp://HOST:PORT`) };
    const rc = frames.text(id, 'rc');
    if (rc === undefined) return { reachable: failure('not collected: the collector script stopped early') };
    if (rc === '127')
      return { reachable: failure('no way to open a TCP connection on the target (needs perl, nc or bash)') };
    return { reachable: value(rc === '0') };
  },
};

export function parseAddr(key: string): { proto: 'tcp' | 'udp'; host: string; port: number } | null {
  const m = /^(tcp|udp):\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})$/.exec(key);
  if (!m) return null;
  return { proto: m[1] as 'tcp' | 'udp', host: m[2]!.replace(/^\[|\]$/g, ''), port: Number(m[3]) };
}
