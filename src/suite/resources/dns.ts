import { shQuote, shSeconds } from '../quote.js';
import type { ResourceDef } from './api.js';
import { allAttrs, failure, option, stringOption, value } from './api.js';

const DEFAULT_TIMEOUT_MS = 500;
const TYPES = ['A', 'AAAA', 'CAA', 'CNAME', 'MX', 'NS', 'PTR', 'SRV', 'TXT'];

/**
 * goss `dns`: `host` or `TYPE:host`. Plain, A and AAAA lookups without `server` go through the
 * target's resolver (`getent ahosts*`, so /etc/hosts counts, as for goss); other record types
 * or an explicit `server` need `dig` on the target and say so when it is missing.
 */
export const dns: ResourceDef = {
  type: 'dns',
  keyAttr: 'resolve',
  required: 'resolvable',
  gate: 'resolvable',
  attributes: [{ key: 'resolvable' }, { key: 'addrs' }],
  options: ['server', 'timeout'],
  check(spec) {
    const { host } = parseDnsKey(spec.key);
    if (host.startsWith('-') || /\s/.test(host))
      return `dns name "${host}" may not begin with "-" or contain whitespace`;
    return undefined;
  },
  plan(spec, id, plan) {
    const { type, host } = parseDnsKey(spec.key);
    const server = stringOption(spec, 'server');
    const secs = shSeconds(option(spec, 'timeout', 0) || DEFAULT_TIMEOUT_MS);
    if (!server && (type === '' || type === 'A' || type === 'AAAA')) {
      const db = type === 'A' ? 'ahostsv4' : type === 'AAAA' ? 'ahostsv6' : 'ahosts';
      plan.parallel(`_igto ${id} ${secs} getent ${db} ${shQuote(host)}; _igcf ${id}`, Number(secs) * 1000);
      return;
    }
    const at = server ? ` ${shQuote(`@${server}`)}` : '';
    const wait = Math.max(1, Math.ceil(Number(secs)));
    plan.parallel(
      `if command -v dig >/dev/null 2>&1; then _igr ${id} tool dig; ` +
        `_igto ${id} ${Number(secs) + 1} dig +short +time=${wait} +tries=1${at} -t ${type || 'A'} -q ${shQuote(host)}; _igcf ${id}; ` +
        `else _igr ${id} tool none; fi`,
      (Number(secs) + 1) * 1000,
    );
  },
  facts(spec, id, frames) {
    const keys = ['resolvable', 'addrs'];
    const { type } = parseDnsKey(spec.key);
    if (type !== '' && !TYPES.includes(type))
      return allAttrs(keys, failure(`dns ${spec.key}: unknown record type ${type}`));
    if (frames.text(id, 'tool') === 'none') {
      return allAttrs(
        keys,
        failure(
          `dns ${spec.key}: needs dig on the target for ${type || 'A'} queries and for any query with a server`,
        ),
      );
    }
    if (frames.has(id, 'to')) return allAttrs(keys, failure(`dns ${spec.key}: lookup timed out`));
    const out = frames.text(id, 'out');
    if (out === undefined)
      return allAttrs(keys, failure('not collected: the collector script stopped early'));
    const addrs = frames.text(id, 'tool') === 'dig' ? digAnswers(out) : getentAddrs(out);
    return { resolvable: value(addrs.length > 0), addrs: value(addrs) };
  },
};

export function parseDnsKey(key: string): { type: string; host: string } {
  const m = /^([A-Za-z]+):(.+)$/.exec(key);
  return m && TYPES.includes(m[1]!.toUpperCase())
    ? { type: m[1]!.toUpperCase(), host: m[2]! }
    : { type: '', host: key };
}

/** `getent ahosts` repeats each address per socket type; keep each once, in order. */
function getentAddrs(out: string): string[] {
  return [
    ...new Set(
      out
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[0] ?? '')
        .filter((a) => a !== ''),
    ),
  ];
}

/** `dig +short` answers; goss prints TXT and CAA values without quotes. */
function digAnswers(out: string): string[] {
  return out
    .split('\n')
    .map((l) => l.trim().replaceAll('"', ''))
    .filter((l) => l !== '' && !l.startsWith(';'));
}
