import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalHeader, GOSS_USER_AGENT, httpGet } from '../../../src/suite/http-client.js';
import type { DirectTarget } from '../../../src/suite/resources/api.js';
import { http } from '../../../src/suite/resources/http.js';
import { spec } from './resources/helpers.js';

/** goss's HTTP semantics, spoken over a plain local stream as a transport would hand one over. */
let base = '';
let seen: { method?: string; headers: IncomingHttpHeaders; body: string }[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (b: Buffer) => {
    body += b.toString();
  });
  req.on('end', () => {
    seen.push({ method: req.method, headers: req.headers, body });
    if (req.url === '/gz') {
      res.writeHead(200, { 'content-encoding': 'gzip', 'x-multi': ['b', 'a'] }).end(gzipSync('zipped\n'));
    } else if (req.url?.startsWith('/see-other')) {
      res.writeHead(303, { location: '/landing' }).end();
    } else if (req.url === '/loop') {
      res.writeHead(302, { location: '/loop' }).end();
    } else {
      res.writeHead(200).end(`${req.method} ${req.url}\n`);
    }
  });
});
const dial = (host: string, port: number): Promise<Duplex> =>
  new Promise((resolve, reject) => {
    const s = connect({ host, port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
const get = (path: string, extra: Partial<Parameters<typeof httpGet>[0]> = {}) =>
  httpGet(
    {
      url: `${base}${path}`,
      method: 'GET',
      headers: [],
      allowInsecure: false,
      noFollowRedirects: false,
      timeoutMs: 5000,
      maxBodyBytes: 1 << 20,
      ...extra,
    },
    dial,
  );

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});

describe('httpGet', () => {
  it("sends goss's User-Agent unless the suite sets one, and the suite's headers as Go adds them", async () => {
    seen = [];
    await get('/a');
    await get('/b', { headers: ['user-agent: mine', 'X-Token: 1', 'x-token: 2'] });
    expect(seen[0]!.headers['user-agent']).toBe(GOSS_USER_AGENT);
    expect(seen[1]!.headers['user-agent']).toBe('mine');
    expect(seen[1]!.headers['x-token']).toBe('1, 2');
  });

  it('undoes the gzip it asked for, as Go does, and lists response headers canonical and sorted', async () => {
    const r = await get('/gz');
    expect(r.body.toString()).toBe('zipped\n');
    expect(r.headers.filter((h) => h.startsWith('X-Multi'))).toEqual(['X-Multi: a', 'X-Multi: b']);
    expect(r.headers.some((h) => h.startsWith('Content-Encoding'))).toBe(false);
  });

  it('a 303 after a POST becomes a GET without the body; no-follow-redirects returns the 303', async () => {
    seen = [];
    const r = await get('/see-other', { method: 'POST', body: 'payload', username: 'u', password: 'p' });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('GET /landing\n');
    expect(seen.map((s) => [s.method, s.body])).toEqual([
      ['POST', 'payload'],
      ['GET', ''],
    ]);
    expect(seen[1]!.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect((await get('/see-other', { noFollowRedirects: true })).status).toBe(303);
  });

  it("stops after 10 redirects and at the timeout, in Go's words", async () => {
    await expect(get('/loop')).rejects.toThrow(`Get "${base}/loop": stopped after 10 redirects`);
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
    await expect(get('', { url, timeoutMs: 300 })).rejects.toThrow(
      /Client\.Timeout exceeded while awaiting headers/,
    );
    silent.closeAllConnections();
    silent.close();
  });

  it("without proxy:, goes through the target's HTTP_PROXY unless NO_PROXY names the host, as Go", async () => {
    const asked: string[] = [];
    const target = (env: Record<string, string>): DirectTarget => ({
      connect: (host, port) => {
        asked.push(`${host}:${port}`);
        return dial(host, port);
      },
      readFile: () => Promise.reject(new Error('no files')),
      env: (names) =>
        Promise.resolve(Object.fromEntries(Object.entries(env).filter(([k]) => names.includes(k)))),
    });
    const check = spec('http', 'http://app.invalid/x', { status: 200, body: ['GET http://app.invalid/x'] });
    const proxied = await http.direct!(check, target({ HTTP_PROXY: base, NO_PROXY: 'other.invalid' }));
    expect(proxied.status).toEqual({ value: 200 });
    expect(proxied.body).toMatchObject({ value: { lines: ['GET http://app.invalid/x'] } });
    expect(asked).toEqual([base.slice('http://'.length)]);
    // NO_PROXY names it: dialled directly (and here it does not exist).
    asked.length = 0;
    await http.direct!(check, target({ HTTP_PROXY: base, no_proxy: '.invalid' }));
    expect(asked).toEqual(['app.invalid:80']);
    // proxy: wins over the environment.
    asked.length = 0;
    await http.direct!(
      { ...check, attrs: { ...check.attrs, proxy: base } },
      target({ HTTP_PROXY: 'http://nowhere.invalid:1' }),
    );
    expect(asked).toEqual([base.slice('http://'.length)]);
  });

  it('refuses a proxy it cannot speak rather than going direct', async () => {
    await expect(get('/a', { proxyFor: () => 'socks5://127.0.0.1:1080' })).rejects.toThrow(
      /proxy socks5:\/\/127\.0\.0\.1:1080: only http:\/\/ proxies are supported/,
    );
  });

  it('canonicalises names as textproto does', () => {
    expect(canonicalHeader('content-type')).toBe('Content-Type');
    expect(canonicalHeader('X-FORWARDED-FOR')).toBe('X-Forwarded-For');
    expect(canonicalHeader('bad header')).toBe('bad header');
  });
});
