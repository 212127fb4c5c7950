import { httpGet } from '../http-client.js';
import { MAX_OUTPUT_BYTES } from '../limits.js';
import { type LinesFact, linesFact } from '../matchers/api.js';
import { PROXY_ENV_NAMES, proxyConfig, proxyForUrl } from '../proxy-env.js';
import { shQuote, shSeconds } from '../quote.js';
import type { AttrFact, ResourceDef } from './api.js';
import { allAttrs, failure, option, oversized, stringOption, value } from './api.js';

const DEFAULT_TIMEOUT_MS = 5_000;

/** Options the wget fallback does not pass on (busybox and GNU wget differ too much). */
const WGET_CANNOT = [
  'method',
  'request-headers',
  'request-body',
  'username',
  'password',
  'no-follow-redirects',
  'ca-file',
  'cert-file',
  'key-file',
  'proxy',
];

/**
 * goss `http`, requested from the target itself (so `localhost` means the target) with curl,
 * else wget (fewer options: no client certificates, methods or bodies), else a clear error.
 * Like goss it follows redirects unless `no-follow-redirects`.
 */
export const http: ResourceDef = {
  type: 'http',
  keyAttr: 'url',
  required: 'status',
  gate: 'status',
  attributes: [
    { key: 'status' },
    { key: 'headers', property: 'Headers', emptyListUnset: true },
    { key: 'body', property: 'Body', emptyListUnset: true },
  ],
  options: [
    'allow-insecure',
    'no-follow-redirects',
    'timeout',
    'request-headers',
    'request-body',
    'method',
    'username',
    'password',
    'ca-file',
    'cert-file',
    'key-file',
    'proxy',
    'url',
  ],
  check(spec) {
    const url = stringOption(spec, 'url') ?? spec.key;
    if (!/^https?:\/\/[^\s]+$/i.test(url)) return `http URL "${url}" must begin with http:// or https://`;
    for (const h of (spec.attrs['request-headers'] as unknown[] | undefined) ?? []) {
      // curl reads `-H @file` as a file of headers: a header must be `Name: value`.
      if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+:/.test(String(h)))
        return `http request header "${String(h)}" must be "Name: value"`;
    }
    return undefined;
  },
  plan(spec, id, plan) {
    const url = stringOption(spec, 'url') ?? spec.key;
    const ms = option(spec, 'timeout', 0) || DEFAULT_TIMEOUT_MS;
    const secs = shSeconds(ms);
    const a = spec.attrs;
    const curl = ['curl', '-sS', '-o', `"$T/${id}.body"`, '-D', `"$T/${id}.hdr"`];
    curl.push('--max-time', secs);
    if (a['allow-insecure'] === true) curl.push('-k');
    if (a['no-follow-redirects'] !== true) curl.push('-L');
    const method = stringOption(spec, 'method');
    if (method) curl.push('-X', shQuote(method));
    for (const h of (a['request-headers'] as string[] | undefined) ?? []) curl.push('-H', shQuote(String(h)));
    const body = stringOption(spec, 'request-body');
    // From a file the script writes: curl reads a body starting with "@" as a file name.
    if (body !== undefined) curl.push('--data-binary', `@"$T/${id}.req"`);
    const username = stringOption(spec, 'username');
    if (username) curl.push('-u', shQuote(`${username}:${stringOption(spec, 'password') ?? ''}`));
    for (const [opt, flag] of [
      ['ca-file', '--cacert'],
      ['cert-file', '--cert'],
      ['key-file', '--key'],
      ['proxy', '--proxy'],
    ] as const) {
      const v = stringOption(spec, opt);
      if (v) curl.push(flag, shQuote(v));
    }
    curl.push('--', shQuote(url));
    const wget = [
      'wget',
      '-q',
      '-S',
      '-O',
      `"$T/${id}.body"`,
      '-T',
      String(Math.max(1, Math.ceil(ms / 1000))),
    ];
    if (a['allow-insecure'] === true) wget.push('--no-check-certificate');
    wget.push('--', shQuote(url));
    const guard = shSeconds(ms + 2_000);
    plan.parallel(
      [
        ...(body === undefined ? [] : [`printf '%s' ${shQuote(body)} >"$T/${id}.req"`]),
        'if command -v curl >/dev/null 2>&1; then',
        `  _igr ${id} tool curl; _igto ${id} ${guard} ${curl.join(' ')}; _igcf ${id}; _igf ${id} hdr "$T/${id}.hdr"`,
        'elif command -v wget >/dev/null 2>&1; then',
        `  _igr ${id} tool wget; _igto ${id} ${guard} ${wget.join(' ')}; _igcf ${id}`,
        `else _igr ${id} tool none; fi`,
        `[ -f "$T/${id}.body" ] && _igf ${id} body "$T/${id}.body"`,
      ].join('\n'),
      ms + 2_000,
    );
  },
  async direct(spec, target) {
    const keys = ['status', 'headers', 'body'];
    const a = spec.attrs;
    const str = (k: string) => stringOption(spec, k);
    try {
      const file = async (k: string) => {
        const path = str(k);
        return path ? await target.readFile(path) : undefined;
      };
      // goss loads a client certificate only when both halves are named.
      const pair = str('cert-file') && str('key-file');
      // Without `proxy:`, goss (Go) takes HTTP_PROXY/HTTPS_PROXY/NO_PROXY from its environment.
      const fromEnv = str('proxy') ? undefined : proxyConfig(await target.env(PROXY_ENV_NAMES));
      const res = await httpGet(
        {
          url: str('url') ?? spec.key,
          method: str('method') || 'GET',
          headers: ((a['request-headers'] as unknown[] | undefined) ?? []).map(String),
          body: str('request-body'),
          username: str('username'),
          password: str('password'),
          allowInsecure: a['allow-insecure'] === true,
          noFollowRedirects: a['no-follow-redirects'] === true,
          timeoutMs: option(spec, 'timeout', 0) || DEFAULT_TIMEOUT_MS,
          ca: await file('ca-file'),
          cert: pair ? await file('cert-file') : undefined,
          key: pair ? await file('key-file') : undefined,
          proxy: str('proxy'),
          proxyFor: fromEnv && ((u) => proxyForUrl(fromEnv, u)),
          maxBodyBytes: MAX_OUTPUT_BYTES,
        },
        (h, p, ms) => target.connect(h, p, ms),
      );
      return {
        status: value(res.status),
        headers: value(linesFact(res.headers.join('\n'), '*strings.Reader')),
        body: res.truncated
          ? (oversized('http body', Buffer.alloc(MAX_OUTPUT_BYTES + 1)) as AttrFact)
          : value(linesFact(res.body.toString('utf8'), '*http.bodyEOFSignal')),
      };
    } catch (err) {
      return allAttrs(keys, failure((err as Error).message));
    }
  },
  facts(spec, id, frames) {
    const keys = ['status', 'headers', 'body'];
    const tool = frames.text(id, 'tool');
    if (tool === undefined)
      return allAttrs(keys, failure('not collected: the collector script stopped early'));
    if (tool === 'none')
      return allAttrs(keys, failure('http needs curl or wget on the target; neither was found'));
    if (tool === 'wget') {
      // The wget fallback sends a plain GET; never drop an option the suite asked for.
      const dropped = WGET_CANNOT.filter((o) => {
        const v = spec.attrs[o];
        return v !== undefined && v !== null && v !== false && v !== '' && !(o === 'method' && v === 'GET');
      });
      if (dropped.length > 0)
        return allAttrs(
          keys,
          failure(
            `http ${spec.key}: the target has wget but not curl, and the wget fallback cannot send ${dropped.join(', ')}; install curl in the target`,
          ),
        );
    }
    if (frames.has(id, 'to')) return allAttrs(keys, failure(`http ${spec.key}: request timed out`));
    const rc = frames.text(id, 'rc');
    const err = (frames.text(id, 'err') ?? '').trim();
    // curl exits non-zero only on transport errors; wget also on HTTP errors, with headers printed.
    const headerText = tool === 'curl' ? (frames.text(id, 'hdr') ?? '') : err;
    const { status, headers } = lastResponse(headerText);
    if ((tool === 'curl' && rc !== '0') || status === undefined) {
      return allAttrs(
        keys,
        failure(`http ${spec.key}: ${err.split('\n').pop() || `request failed (exit ${rc})`}`),
      );
    }
    const out: Record<string, AttrFact> = {
      status: value(status),
      headers: value({ kind: 'lines', lines: headers } satisfies LinesFact),
      body: value(linesFact(frames.text(id, 'body') ?? '', '*http.bodyEOFSignal')),
    };
    return out;
  },
};

/** Status and `Name: value` header lines of the final response (after redirects). */
export function lastResponse(text: string): { status: number | undefined; headers: string[] } {
  let status: number | undefined;
  let headers: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    const m = /^HTTP\/[\d.]+\s+(\d{3})/.exec(line);
    if (m) {
      status = Number(m[1]);
      headers = [];
    } else if (status !== undefined && /^[A-Za-z0-9!#$%&'*+.^_`|~-]+:/.test(line)) {
      headers.push(line);
    }
  }
  return { status, headers };
}
