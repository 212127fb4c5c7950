import { dnsLookup, parseServer } from '../dns-client.js';
import { shQuote, shSeconds } from '../quote.js';
import type { AttrFact, ResourceDef } from './api.js';
import { allAttrs, failure, option, stringOption, value } from './api.js';

const DEFAULT_TIMEOUT_MS = 500;
const TYPES = ['A', 'AAAA', 'CAA', 'CNAME', 'MX', 'NS', 'PTR', 'SRV', 'TXT'];

/**
 * goss `dns`: `host` or `TYPE:host` (TYPE in capitals, as goss reads it). Without `server`,
 * goss asks the system resolver for the host's addresses whatever the type (net.LookupHost):
 * here `getent ahosts` on the target, so /etc/hosts counts. With `server` (`host`, `host:port`),
 * imagegate queries it itself over TCP through the transport (no dig in the target), for A,
 * AAAA, CNAME, MX, NS, SRV, TXT, CAA and PTR (a reverse lookup); `dig` in the target only where
 * the transport cannot open streams. Answers are sorted, as goss sorts them.
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
  directFor: (spec) => Boolean(stringOption(spec, 'server')),
  async direct(spec, target) {
    const { type, host } = parseDnsKey(spec.key);
    const server = stringOption(spec, 'server')!;
    const ms = option(spec, 'timeout', 0) || DEFAULT_TIMEOUT_MS;
    let last: Error | undefined;
    // goss tries three times when the lookup itself fails (not when the name does not exist).
    for (let i = 0; i < 3; i++) {
      try {
        const addrs = (await dnsLookup(host, type, server, (h, p, t) => target.connect(h, p, t), ms)).sort();
        return { resolvable: value(addrs.length > 0), addrs: value(addrs) } satisfies Record<
          string,
          AttrFact
        >;
      } catch (err) {
        last = err as Error;
        if (last.message.startsWith('unrecognized address')) break;
      }
    }
    return allAttrs(['resolvable', 'addrs'], failure(last?.message ?? 'lookup failed'));
  },
  plan(spec, id, plan) {
    const { type, host } = parseDnsKey(spec.key);
    const server = stringOption(spec, 'server');
    const secs = shSeconds(option(spec, 'timeout', 0) || DEFAULT_TIMEOUT_MS);
    if (!server) {
      plan.parallel(`_igto ${id} ${secs} getent ahosts ${shQuote(host)}; _igcf ${id}`, Number(secs) * 1000);
      return;
    }
    const { host: sh, port } = parseServer(server);
    const at = ` ${shQuote(`@${sh}`)} -p ${port}`;
    const wait = Math.max(1, Math.ceil(Number(secs)));
    const what =
      type === 'PTR' ? `-x ${shQuote(host)}` : `-t ${TYPES.includes(type) ? type : 'A'} -q ${shQuote(host)}`;
    plan.parallel(
      `if command -v dig >/dev/null 2>&1; then _igr ${id} tool dig; ` +
        `_igto ${id} ${Number(secs) + 1} dig +short +time=${wait} +tries=1${at} ${what}; _igcf ${id}; ` +
        `else _igr ${id} tool none; fi`,
      (Number(secs) + 1) * 1000,
    );
  },
  facts(spec, id, frames) {
    const keys = ['resolvable', 'addrs'];
    if (frames.text(id, 'tool') === 'none') {
      return allAttrs(
        keys,
        failure(
          `dns ${spec.key}: a query to a server needs dig on the target when imagegate cannot reach the target's network itself`,
        ),
      );
    }
    if (frames.has(id, 'to')) return allAttrs(keys, failure(`dns ${spec.key}: lookup timed out`));
    const out = frames.text(id, 'out');
    if (out === undefined)
      return allAttrs(keys, failure('not collected: the collector script stopped early'));
    const addrs = (frames.text(id, 'tool') === 'dig' ? digAnswers(out) : getentAddrs(out)).sort();
    return { resolvable: value(addrs.length > 0), addrs: value(addrs) };
  },
};

/** goss's NewDefDNS: a capitalised word before the first `:` is the record type. */
export function parseDnsKey(key: string): { type: string; host: string } {
  const i = key.indexOf(':');
  const head = key.slice(0, i);
  return i > 0 && /^[A-Z]+$/.test(head) ? { type: head, host: key.slice(i + 1) } : { type: '', host: key };
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
