/**
 * HTTP to a registry with the Distribution auth flow: a request goes out without credentials;
 * a 401 names the scheme in `WWW-Authenticate`. `Basic` is answered with the login; `Bearer`
 * by asking the token service in its `realm` for a token with our `service` and `scope`
 * (Basic login, or Docker's refresh-token grant for an identity token) and retrying with it.
 * Tokens are kept per host and scope for the session (one promotion run); an expired one is
 * fetched again once.
 */
import { UserError } from '../core/errors.js';
import { AUTH_REFUSED, anonymous, authRefused, type RegistryCredential } from './registry-auth.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** `Bearer realm="https://…/token",service="reg",scope="repository:a/b:pull,push"` → parts. */
export function parseChallenge(header: string | null): Challenge | undefined {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const params: Record<string, string> = {};
  // Quoted values hold commas (a scope's actions), so split on the grammar, not on commas.
  for (const p of (m[2] ?? '').matchAll(/([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
    params[(p[1] as string).toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme: m[1].toLowerCase(), params };
}

/** Loopback hosts are spoken to over plain HTTP, as Docker Engine does for 127.0.0.0/8. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/:\d+$/, '');
  return bare === 'localhost' || /^127\./.test(bare) || bare === '[::1]';
}

/** fetch, with an unreachable registry or token service as one line (exit 3: run again). */
export async function send(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? String(err);
    throw new UserError(`registry ${new URL(url).host} unreachable (${cause}): is it running?`, 3);
  }
}

export type Access = 'pull' | 'pull,push';

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function withAuthorization(init: RequestInit, authorization: string | undefined): RequestInit {
  if (!authorization) return init;
  return { ...init, headers: { ...(init.headers as Record<string, string>), Authorization: authorization } };
}

export class RegistrySession {
  /** `host scope` → Authorization header value, for this run only. */
  private readonly authorizations = new Map<string, string>();

  constructor(readonly credentialFor: (host: string) => RegistryCredential) {}

  /** A request to `host` for repository `name`, authenticated when the registry asks for it. */
  async fetch(host: string, name: string, access: Access, url: string, init: RequestInit): Promise<Response> {
    const scope = `repository:${name}:${access}`;
    const key = `${host} ${scope}`;
    const what = access === 'pull' ? `pull of ${name}` : `push to ${name}`;
    const cached = this.authorizations.get(key);
    let res = await send(url, withAuthorization(init, cached));
    if (res.status === 401) {
      await res.arrayBuffer();
      this.authorizations.delete(key);
      const cred = this.credentialFor(host);
      const authorization = await this.answer(res.headers.get('www-authenticate'), cred, scope, what);
      this.authorizations.set(key, authorization);
      res = await send(url, withAuthorization(init, authorization));
    }
    if (res.status === 401 || res.status === 403) {
      await res.arrayBuffer();
      throw authRefused(this.credentialFor(host), res.status, what);
    }
    return res;
  }

  private async answer(header: string | null, cred: RegistryCredential, scope: string, what: string) {
    const challenge = parseChallenge(header);
    if (challenge?.scheme === 'bearer') return this.token(challenge, cred, scope, what);
    // Basic (or a registry that names no scheme): only a user and password can answer.
    if (cred.username === undefined || cred.password === undefined) throw authRefused(cred, 401, what);
    return basic(cred.username, cred.password);
  }

  private async token(challenge: Challenge, cred: RegistryCredential, scope: string, what: string) {
    const { realm, service } = challenge.params;
    if (!realm) throw new UserError(`registry ${cred.host} asked for a token but named no realm`, 3);
    const url = new URL(realm);
    const hasLogin = cred.password !== undefined || cred.identityToken !== undefined;
    if (hasLogin && url.protocol !== 'https:' && !isLoopbackHost(url.host)) {
      throw new UserError(
        `registry ${cred.host} sends logins to ${url.origin}, which is not HTTPS; refusing to send the login from ${cred.source} there`,
        AUTH_REFUSED,
      );
    }
    let res: Response;
    if (cred.identityToken) {
      // Docker's way with an identity token: the OAuth2 refresh-token grant, POSTed.
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: cred.identityToken,
        client_id: 'imagegate',
        scope,
        ...(service ? { service } : {}),
      });
      res = await send(url.href, { method: 'POST', body: form });
    } else {
      if (service) url.searchParams.set('service', service);
      url.searchParams.set('scope', scope);
      const headers: Record<string, string> =
        cred.username !== undefined && cred.password !== undefined
          ? { Authorization: basic(cred.username, cred.password) }
          : {};
      res = await send(url.href, { headers });
    }
    if (res.status === 401 || res.status === 403) {
      await res.arrayBuffer();
      throw authRefused(cred, res.status, what);
    }
    if (!res.ok) {
      await res.arrayBuffer();
      throw new UserError(`token service ${url.host} for registry ${cred.host} answered ${res.status}`, 3);
    }
    const body = (await res.json().catch(() => ({}))) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new UserError(`token service ${url.host} for registry ${cred.host} sent no token`, 3);
    return `Bearer ${token}`;
  }
}

/** A session that never logs in: registries that need no login, and tests reading one. */
export const anonymousSession = (): RegistrySession => new RegistrySession(anonymous);
