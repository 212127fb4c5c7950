import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { createGunzip } from 'node:zlib';

/**
 * goss's HTTP check spoken by imagegate itself over a TCP stream the transport opens on the
 * target (`Transport.connect`): the target needs no curl. Semantics follow goss's
 * system/http.go on Go's net/http: goss's User-Agent, `Name: value` request headers, basic auth,
 * redirects followed (at most 10) unless asked not to, gzip asked for and undone, response
 * header names canonicalised and sorted, one deadline for the whole exchange.
 */
export interface HttpRequestSpec {
  url: string;
  method: string;
  /** `Name: value` lines as written in the suite. */
  headers: string[];
  body?: string;
  username?: string;
  password?: string;
  allowInsecure: boolean;
  noFollowRedirects: boolean;
  timeoutMs: number;
  /** PEM text of ca-file / cert-file / key-file, read from the target. */
  ca?: string;
  cert?: string;
  key?: string;
  proxy?: string;
  /**
   * Without `proxy`: the proxy for each URL asked (redirects included), as Go's
   * ProxyFromEnvironment decides it from the target's environment; undefined goes direct.
   */
  proxyFor?: (url: URL) => string | undefined;
  /** Cap on the body kept; past it the check fails instead of holding it all. */
  maxBodyBytes: number;
}

export interface HttpResponseFacts {
  status: number;
  /** Sorted `Name: value` lines, names canonical as Go's textproto prints them. */
  headers: string[];
  body: Buffer;
  /** The body went past maxBodyBytes. */
  truncated: boolean;
}

export type Dial = (host: string, port: number, timeoutMs: number) => Promise<Duplex>;

/** goss sends `goss/<version>` unless the suite sets a User-Agent. */
export const GOSS_USER_AGENT = 'goss/v0.4.10';

const MAX_REDIRECTS = 10;

export async function httpGet(req: HttpRequestSpec, dial: Dial): Promise<HttpResponseFacts> {
  const deadline = Date.now() + req.timeoutMs;
  let url = new URL(req.url);
  let method = req.method;
  let body = req.body;
  const headers = requestHeaders(req);
  const firstHost = url.host;
  const verb = method.charAt(0) + method.slice(1).toLowerCase();
  const fail = (why: string) => new Error(`${verb} "${req.url}": ${why}`);
  for (let hop = 0; ; hop++) {
    const left = deadline - Date.now();
    if (left <= 0) throw fail('context deadline exceeded (Client.Timeout exceeded while awaiting headers)');
    // Go drops credentials and cookies when a redirect leaves the first host.
    if (url.host !== firstHost)
      for (const k of ['authorization', 'cookie', 'www-authenticate']) headers.delete(k);
    let res: { msg: IncomingMessage; sock: Duplex };
    let timer: NodeJS.Timeout | undefined;
    const sockets: Duplex[] = [];
    try {
      res = await Promise.race([
        exchange(
          url,
          method,
          headers,
          body,
          req,
          async (h, p, ms) => {
            const s = await dial(h, p, ms);
            sockets.push(s);
            return s;
          },
          left,
        ),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')),
            left,
          );
        }),
      ]);
    } catch (err) {
      for (const s of sockets) s.destroy();
      throw fail((err as Error).message);
    } finally {
      clearTimeout(timer);
    }
    const status = res.msg.statusCode ?? 0;
    const location = res.msg.headers.location;
    if (!req.noFollowRedirects && [301, 302, 303, 307, 308].includes(status) && location) {
      res.msg.resume();
      res.sock.destroy();
      if (hop + 1 >= MAX_REDIRECTS) throw fail('stopped after 10 redirects');
      url = new URL(location, url);
      if (status !== 307 && status !== 308) {
        if (method !== 'HEAD') method = 'GET';
        body = undefined;
      }
      continue;
    }
    try {
      return await readResponse(res.msg, req.maxBodyBytes, deadline - Date.now());
    } catch (err) {
      throw fail((err as Error).message);
    } finally {
      res.sock.destroy();
    }
  }
}

/** Request headers as Go builds them: the suite's (canonical names), goss's User-Agent, basic auth. */
function requestHeaders(req: HttpRequestSpec): Map<string, [string, string[]]> {
  const h = new Map<string, [string, string[]]>();
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    const prev = h.get(key);
    if (prev) prev[1].push(value);
    else h.set(key, [canonicalHeader(name), [value]]);
  };
  for (const line of req.headers) {
    const i = line.indexOf(': ');
    add(i < 0 ? line : line.slice(0, i), i < 0 ? '' : line.slice(i + 2));
  }
  if (!h.has('user-agent')) add('User-Agent', GOSS_USER_AGENT);
  if (req.username || req.password) {
    h.delete('authorization');
    add(
      'Authorization',
      `Basic ${Buffer.from(`${req.username ?? ''}:${req.password ?? ''}`).toString('base64')}`,
    );
  }
  return h;
}

async function exchange(
  url: URL,
  method: string,
  headers: Map<string, [string, string[]]>,
  body: string | undefined,
  req: HttpRequestSpec,
  dial: Dial,
  timeoutMs: number,
): Promise<{ msg: IncomingMessage; sock: Duplex }> {
  const https = url.protocol === 'https:';
  const port = Number(url.port) || (https ? 443 : 80);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const proxyText = req.proxy || req.proxyFor?.(url);
  const proxy = proxyText ? new URL(proxyText) : undefined;
  if (proxy && proxy.protocol !== 'http:')
    throw new Error(
      `proxy ${proxy.protocol.slice(0, -1)}://${proxy.host}: only http:// proxies are supported`,
    );
  let sock: Duplex;
  if (proxy) {
    sock = await dial(proxy.hostname, Number(proxy.port) || 80, timeoutMs);
    if (https) await connectTunnel(sock, `${host}:${port}`, timeoutMs);
  } else {
    sock = await dial(host, port, timeoutMs);
  }
  if (https) {
    sock = await new Promise<Duplex>((resolve, reject) => {
      const t = tlsConnect({
        socket: sock,
        servername: /^[\d.]+$|:/.test(host) ? undefined : host,
        rejectUnauthorized: !req.allowInsecure,
        ca: req.ca,
        cert: req.cert,
        key: req.key,
      });
      t.once('secureConnect', () => resolve(t));
      t.once('error', reject);
    });
  }
  const out: Record<string, string | string[]> = {};
  const hostHeader = headers.get('host')?.[1][0] ?? url.host;
  out.Host = hostHeader;
  for (const [key, [name, values]] of headers)
    if (key !== 'host') out[name] = values.length === 1 ? values[0]! : values;
  // Go asks for gzip itself (and undoes it) unless the suite chose an encoding.
  const weGzip = !headers.has('accept-encoding') && method !== 'HEAD';
  if (weGzip) out['Accept-Encoding'] = 'gzip';
  if (body !== undefined && body !== '') out['Content-Length'] = String(Buffer.byteLength(body));
  out.Connection = 'close';
  const path = proxy && !https ? url.href : `${url.pathname}${url.search}`;
  const viaSock = sock;
  const msg = await new Promise<IncomingMessage>((resolve, reject) => {
    const r = httpRequest({
      method,
      path,
      headers: out,
      setHost: false,
      createConnection: () => viaSock as never,
    });
    r.once('response', resolve);
    r.once('error', reject);
    r.end(body && body !== '' ? body : undefined);
  });
  if (weGzip && /^gzip$/i.test(String(msg.headers['content-encoding'] ?? ''))) {
    (msg as IncomingMessage & { gunzip?: boolean }).gunzip = true;
  }
  return { msg, sock };
}

/** `CONNECT host:port` through an HTTP proxy, for https URLs. */
function connectTunnel(sock: Duplex, authority: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('proxyconnect tcp: i/o timeout')), timeoutMs);
    const onData = (b: Buffer) => {
      buf += b.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      clearTimeout(timer);
      const status = /^HTTP\/\d\.\d (\d{3})/.exec(buf)?.[1];
      if (status !== '200') return reject(new Error(`proxyconnect: ${buf.split('\r\n')[0]}`));
      if (end + 4 < buf.length) sock.unshift(Buffer.from(buf.slice(end + 4), 'latin1'));
      resolve();
    };
    sock.on('data', onData);
    sock.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  });
}

async function readResponse(
  msg: IncomingMessage,
  max: number,
  timeoutMs: number,
): Promise<HttpResponseFacts> {
  const gunzip = (msg as IncomingMessage & { gunzip?: boolean }).gunzip === true;
  const headers: string[] = [];
  for (let i = 0; i < msg.rawHeaders.length; i += 2) {
    const name = canonicalHeader(msg.rawHeaders[i]!);
    // Go removes what no longer describes the body it hands over.
    if (gunzip && (name === 'Content-Encoding' || name === 'Content-Length')) continue;
    headers.push(`${name}: ${msg.rawHeaders[i + 1]}`);
  }
  headers.sort();
  const source = gunzip ? msg.pipe(createGunzip()) : msg;
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error('context deadline exceeded (Client.Timeout or context cancellation while reading body)'),
        ),
      Math.max(0, timeoutMs),
    );
    source.on('data', (b: Buffer) => {
      if (truncated) return;
      size += b.length;
      if (size > max) {
        truncated = true;
        chunks.push(b.subarray(0, b.length - (size - max)));
        clearTimeout(timer);
        resolve();
        return;
      }
      chunks.push(b);
    });
    source.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
    source.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
  return { status: msg.statusCode ?? 0, headers, body: Buffer.concat(chunks), truncated };
}

/** Go's textproto.CanonicalMIMEHeaderKey: `content-type` → `Content-Type`; odd names unchanged. */
export function canonicalHeader(name: string): string {
  if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) return name;
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase());
}
