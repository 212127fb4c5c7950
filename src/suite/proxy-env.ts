import { isIP } from 'node:net';

/**
 * goss's http check without `proxy:` uses Go's http.ProxyFromEnvironment: HTTP_PROXY for http
 * URLs, HTTPS_PROXY for https, NO_PROXY exceptions, read from goss's environment, which is the
 * target's (goss runs there). This is golang.org/x/net/http/httpproxy's Config, pure: the
 * environment comes from the target, the decision is made here per URL (redirects included).
 */

/** The variables Go reads; the upper-case name wins when both spellings are set. */
export const PROXY_ENV_NAMES = [
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'NO_PROXY',
  'no_proxy',
  'REQUEST_METHOD',
] as const;

export interface ProxyConfig {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy: string;
  /** REQUEST_METHOD set: a CGI environment, where Go refuses HTTP_PROXY (httpoxy). */
  cgi: boolean;
}

export function proxyConfig(env: Readonly<Record<string, string | undefined>>): ProxyConfig {
  const any = (...names: string[]) => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  return {
    httpProxy: any('HTTP_PROXY', 'http_proxy'),
    httpsProxy: any('HTTPS_PROXY', 'https_proxy'),
    noProxy: any('NO_PROXY', 'no_proxy') ?? '',
    cgi: (env.REQUEST_METHOD ?? '') !== '',
  };
}

/**
 * The proxy URL for a request to `url`, or undefined for a direct connection; throws Go's
 * errors (a CGI environment with HTTP_PROXY, an unparsable proxy).
 */
export function proxyForUrl(cfg: ProxyConfig, url: URL): string | undefined {
  let proxy: string | undefined;
  if (url.protocol === 'https:') proxy = cfg.httpsProxy;
  else if (url.protocol === 'http:') {
    proxy = cfg.httpProxy;
    if (proxy && cfg.cgi)
      throw new Error('refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy');
  }
  if (!proxy) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  if (!useProxy(cfg.noProxy, host, port)) return undefined;
  return parseProxy(proxy);
}

/** Go's parseProxy: a value without a scheme (`proxy:3128`) is read as `http://proxy:3128`. */
function parseProxy(proxy: string): string {
  try {
    const u = new URL(proxy);
    // WHATWG parses `proxy:3128` as scheme "proxy:"; Go also finds no host there.
    if (u.host !== '') return u.href;
  } catch {}
  try {
    return new URL(`http://${proxy}`).href;
  } catch {
    throw new Error(`invalid proxy address "${proxy}"`);
  }
}

/** Go's useProxy: localhost and loopback never; then NO_PROXY's IP, CIDR and domain entries. */
function useProxy(noProxy: string, host: string, port: string): boolean {
  if (host === 'localhost') return false;
  const ipVersion = isIP(host);
  if (
    ipVersion === 4
      ? host.startsWith('127.')
      : ipVersion === 6 && expand6(host).every((g, i) => g === (i === 7 ? 1 : 0))
  )
    return false;
  for (const raw of noProxy.split(',')) {
    const p = raw.trim().toLowerCase();
    if (p === '') continue;
    if (p === '*') return false;
    if (p.includes('/')) {
      if (ipVersion && inCidr(host, p)) return false;
      continue;
    }
    let phost = p;
    let pport = '';
    const hp = /^(\[[^\]]*\]|[^:]*):(\d*)$/.exec(p);
    if (hp) {
      if (hp[1] === '') continue;
      phost = hp[1]!.replace(/^\[|\]$/g, '');
      pport = hp[2]!;
    }
    if (isIP(phost)) {
      if (ipVersion && sameIp(phost, host) && (pport === '' || pport === port)) return false;
      continue;
    }
    // `foo.com` matches foo.com and bar.foo.com; `.foo.com` and `*.foo.com` only the latter.
    if (phost.startsWith('*.')) phost = phost.slice(1);
    const matchHost = !phost.startsWith('.');
    if (matchHost) phost = `.${phost}`;
    if ((host.endsWith(phost) || (matchHost && host === phost.slice(1))) && (pport === '' || pport === port))
      return false;
  }
  return true;
}

function sameIp(a: string, b: string): boolean {
  if (isIP(a) !== isIP(b)) return false;
  return isIP(a) === 4 ? a === b : expand6(a).join(':') === expand6(b).join(':');
}

/** An IPv6 address as its eight 16-bit groups. */
function expand6(ip: string): number[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const parse = (parts: string[]) =>
    parts.flatMap((g) => {
      if (!g.includes('.')) return [Number.parseInt(g, 16)];
      const b = g.split('.').map(Number);
      return [(b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!];
    });
  const h = parse(groups(head));
  const t = parse(groups(tail));
  return tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
}

function bits(ip: string): number[] {
  if (isIP(ip) === 4) return ip.split('.').flatMap((o) => byteBits(Number(o)));
  return expand6(ip).flatMap((g) => [...byteBits(g >> 8), ...byteBits(g & 0xff)]);
}

function byteBits(n: number): number[] {
  return Array.from({ length: 8 }, (_, i) => (n >> (7 - i)) & 1);
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, len] = cidr.split('/');
  const n = Number(len);
  if (!net || !isIP(net) || isIP(net) !== isIP(ip) || !/^\d+$/.test(len ?? '')) return false;
  const a = bits(ip);
  const b = bits(net);
  if (n > a.length) return false;
  return a.slice(0, n).every((x, i) => x === b[i]);
}
