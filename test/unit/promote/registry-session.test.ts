/**
 * The Bearer token flow against a small local node:http server that behaves like the
 * Distribution token spec (docs.docker.com/registry/spec/auth/token): the registry answers 401
 * with a `Bearer realm,service,scope` challenge; the token endpoint checks the Basic login (or
 * the OAuth2 refresh-token grant) and grants actions per user; a token lacking an action gets
 * 403, as GHCR and Harbor answer. No real token server can run on this machine (Debian's
 * docker-registry has htpasswd, not token, auth), so this is where the flow is tested; the
 * htpasswd `Basic` flow is tested against the real registry in
 * test/integration/promote-registry-auth.test.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getManifest, putManifest } from '../../../src/promote/registry-api.js';
import { anonymous, type RegistryCredential } from '../../../src/promote/registry-auth.js';
import { parseChallenge, RegistrySession } from '../../../src/promote/registry-session.js';

const SERVICE = 'test-registry';
const USERS: Record<string, { password: string; actions: string[] }> = {
  alice: { password: 'alice-pw', actions: ['pull', 'push'] },
  reader: { password: 'reader-pw', actions: ['pull'] },
};
const REFRESH_TOKEN = 'refresh-abc';
const CONFIG = `sha256:${'c'.repeat(64)}`;
const MEDIA = 'application/vnd.docker.distribution.manifest.v2+json';
const MANIFEST = Buffer.from(
  JSON.stringify({ schemaVersion: 2, mediaType: MEDIA, config: { digest: CONFIG, size: 2 }, layers: [] }),
);

let server: Server;
let host: string;
/** Issued tokens → the actions they grant per repository name. */
const tokens = new Map<string, Record<string, string[]>>();
const manifests = new Map<string, Buffer>();
let tokenRequests: { method: string; scope: string; service: string; by: string }[] = [];
let puts = 0;

function grant(user: string | undefined, scope: string): Record<string, string[]> {
  const [, name = '', wanted = ''] = /^repository:(.+):([a-z,]+)$/.exec(scope) ?? [];
  const allowed = user ? (USERS[user]?.actions ?? []) : [];
  return { [name]: wanted.split(',').filter((a) => allowed.includes(a)) };
}

function issue(res: ServerResponse, access: Record<string, string[]>, field: 'token' | 'access_token') {
  const token = randomBytes(12).toString('hex');
  tokens.set(token, access);
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ [field]: token }));
}

async function tokenEndpoint(req: IncomingMessage, res: ServerResponse, url: URL) {
  if (req.method === 'POST') {
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const scope = form.get('scope') ?? '';
    tokenRequests.push({ method: 'POST', scope, service: form.get('service') ?? '', by: 'refresh' });
    if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== REFRESH_TOKEN) {
      return res.writeHead(401).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    }
    return issue(res, grant('alice', scope), 'access_token');
  }
  const scope = url.searchParams.get('scope') ?? '';
  const service = url.searchParams.get('service') ?? '';
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const [user, password] = basic ? Buffer.from(basic, 'base64').toString().split(':') : [];
  tokenRequests.push({ method: 'GET', scope, service, by: user ?? 'anonymous' });
  if (service !== SERVICE) return res.writeHead(400).end('unknown service');
  if (user && USERS[user]?.password !== password) return res.writeHead(401).end('bad login');
  // Like Docker Hub: an anonymous caller gets a token, one that grants nothing here.
  issue(res, grant(user, scope), 'token');
}

function registry(req: IncomingMessage, res: ServerResponse, url: URL) {
  const [, name = '', ref = ''] = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname) ?? [];
  const action = req.method === 'PUT' ? 'push' : 'pull';
  const realm = name.startsWith('elsewhere/') ? 'http://auth.example.invalid/token' : `http://${host}/token`;
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  const access = token ? tokens.get(token) : undefined;
  if (!access) {
    const scope = `repository:${name}:${action === 'push' ? 'pull,push' : 'pull'}`;
    return res
      .writeHead(401, { 'WWW-Authenticate': `Bearer realm="${realm}",service="${SERVICE}",scope="${scope}"` })
      .end('{"errors":[{"code":"UNAUTHORIZED"}]}');
  }
  if (!access[name]?.includes(action)) return res.writeHead(403).end('{"errors":[{"code":"DENIED"}]}');
  if (req.method === 'PUT') {
    puts++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      manifests.set(`${name}:${ref}`, body);
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      res.writeHead(201, { 'Docker-Content-Digest': digest }).end();
    });
    return;
  }
  const body = manifests.get(`${name}:${ref}`);
  if (!body) return res.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
  res.writeHead(200, { 'Content-Type': MEDIA }).end(body);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    if (url.pathname === '/token') void tokenEndpoint(req, res, url);
    else registry(req, res, url);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

beforeEach(() => {
  tokens.clear();
  manifests.clear();
  manifests.set('team/web:dev', MANIFEST);
  tokenRequests = [];
  puts = 0;
});

const login = (username: string, password: string): RegistryCredential => ({
  host,
  source: 'environment REG_USER/REG_PASS (stage prod)',
  remedy: 'check the values of REG_USER and REG_PASS',
  username,
  password,
});
const session = (cred: RegistryCredential) => new RegistrySession(() => cred);

describe('WWW-Authenticate', () => {
  it('keeps the commas inside a quoted scope and lower-cases scheme and keys', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.example.com/token",Service="reg",scope="repository:a/b:pull,push"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example.com/token', service: 'reg', scope: 'repository:a/b:pull,push' },
    });
    expect(parseChallenge('Basic realm="Registry Realm"')).toEqual({
      scheme: 'basic',
      params: { realm: 'Registry Realm' },
    });
    expect(parseChallenge(null)).toBeUndefined();
  });
});

describe('Bearer token flow', () => {
  it('fetches a pull token with service and scope over Basic, then reuses it for the run', async () => {
    const s = session(login('alice', 'alice-pw'));
    const m = await getManifest(`${host}/team/web`, 'dev', s);
    expect(m?.config).toBe(CONFIG);
    expect(await getManifest(`${host}/team/web`, 'missing', s)).toBeUndefined();
    expect(tokenRequests).toEqual([
      { method: 'GET', scope: 'repository:team/web:pull', service: SERVICE, by: 'alice' },
    ]);
  });

  it('asks for pull,push to put a manifest, and the registry stores the exact bytes', async () => {
    const s = session(login('alice', 'alice-pw'));
    const m = await getManifest(`${host}/team/web`, 'dev', s);
    const stored = await putManifest(`${host}/team/web`, 'prod', m as NonNullable<typeof m>, s);
    expect(stored).toBe(m?.digest);
    expect(manifests.get('team/web:prod')).toEqual(MANIFEST);
    expect(tokenRequests.map((t) => t.scope)).toEqual([
      'repository:team/web:pull',
      'repository:team/web:pull,push',
    ]);
  });

  it('fetches a new token once when the cached one has expired', async () => {
    const s = session(login('alice', 'alice-pw'));
    await getManifest(`${host}/team/web`, 'dev', s);
    tokens.clear();
    expect((await getManifest(`${host}/team/web`, 'dev', s))?.config).toBe(CONFIG);
    expect(tokenRequests).toHaveLength(2);
  });

  it('a wrong password: exit 4 naming registry and source, never the password; nothing put', async () => {
    const s = session(login('alice', 'not-the-password'));
    const m = { digest: 'sha256:x', config: CONFIG, mediaType: MEDIA, body: MANIFEST };
    const err = (await putManifest(`${host}/team/web`, 'prod', m, s).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(err).toMatchObject({
      exitCode: 4,
      message: `registry ${host} refused the login from environment REG_USER/REG_PASS (stage prod) for push to team/web (401): check the values of REG_USER and REG_PASS`,
    });
    expect(err.message).not.toContain('not-the-password');
    expect(puts).toBe(0);
  });

  it('anonymous: the token grants nothing, and the error says no login was found', async () => {
    await expect(getManifest(`${host}/team/web`, 'dev', session(anonymous(host)))).rejects.toMatchObject({
      exitCode: 4,
      message: expect.stringMatching(
        /requires a login for pull of team\/web \(403\) and none was found: run `docker login/,
      ),
    });
    expect(tokenRequests.map((t) => t.by)).toEqual(['anonymous']);
  });

  it('a login that may pull but not push is denied with 403', async () => {
    const s = session(login('reader', 'reader-pw'));
    const m = await getManifest(`${host}/team/web`, 'dev', s);
    await expect(
      putManifest(`${host}/team/web`, 'prod', m as NonNullable<typeof m>, s),
    ).rejects.toMatchObject({
      exitCode: 4,
      message: expect.stringMatching(/denied push to team\/web \(403\) to the login from environment/),
    });
    expect(puts).toBe(0);
  });

  it("an identity token uses Docker's refresh-token grant and the access_token it returns", async () => {
    const cred: RegistryCredential = {
      host,
      source: 'config.json',
      remedy: 'log in',
      identityToken: REFRESH_TOKEN,
    };
    expect((await getManifest(`${host}/team/web`, 'dev', session(cred)))?.config).toBe(CONFIG);
    expect(tokenRequests).toEqual([
      { method: 'POST', scope: 'repository:team/web:pull', service: SERVICE, by: 'refresh' },
    ]);
  });

  it('will not send a login to a token service over plain HTTP off this machine', async () => {
    await expect(
      getManifest(`${host}/elsewhere/web`, 'dev', session(login('alice', 'alice-pw'))),
    ).rejects.toMatchObject({
      exitCode: 4,
      message: expect.stringMatching(/sends logins to http:\/\/auth\.example\.invalid, which is not HTTPS/),
    });
  });
});
