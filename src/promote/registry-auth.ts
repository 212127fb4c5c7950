/**
 * Which login a registry host gets, in Docker's order: the stage's `registry.credentials`
 * (environment variable names), else Docker's config.json as `docker login` writes it
 * (credHelpers[host], then credsStore, then auths[host]), else anonymous. Pure: the file and
 * the credential helper are reached through `CredentialSources` (src/promote/docker-config.ts).
 * A credential carries where it came from so errors can name the source, never the secret.
 */
import type { RegistryCredentialsConfig } from '../config/types.js';
import { UserError } from '../core/errors.js';

/** Exit code when a registry refuses the login, or a login cannot be obtained (docs/promote.md). */
export const AUTH_REFUSED = 4;

export interface RegistryCredential {
  host: string;
  /** Where the login came from, for messages: `environment REG_USER/REG_PASS (stage prod)`. */
  source: string;
  /** What the user can do when the registry refuses it. */
  remedy: string;
  username?: string;
  password?: string;
  /** OAuth2 refresh token some registries hand `docker login` (Docker's `identitytoken`). */
  identityToken?: string;
}

/** The parts of Docker's config.json that hold logins. */
export interface DockerConfigFile {
  auths?: Record<string, DockerAuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export interface DockerAuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

/** What `docker-credential-<name> get` printed: `{Username, Secret}` (Username `<token>` = identity token). */
export interface HelperCredential {
  Username?: string;
  Secret?: string;
}

export interface CredentialSources {
  env: Record<string, string | undefined>;
  /** Docker's config.json and its path (for messages), or undefined when there is none. */
  dockerConfig(): { file: string; config: DockerConfigFile } | undefined;
  /** Ask a credential helper for `host`; undefined when it holds nothing for it. */
  runHelper(helper: string, host: string): HelperCredential | undefined;
}

const dockerLogin = (host: string) => `run \`docker login ${host}\``;

export function anonymous(host: string): RegistryCredential {
  return {
    host,
    source: 'no credentials (anonymous)',
    remedy: `${dockerLogin(host)} or set registry.credentials (usernameEnv, passwordEnv) on the stage`,
  };
}

/** Docker's key normalisation: `https://ghcr.io/v1/` and `ghcr.io` name the same registry. */
export function hostOfKey(key: string): string {
  return key.replace(/^https?:\/\//, '').split('/')[0] ?? '';
}

/** Docker Hub answers to several names; `docker login` files it under its v1 index URL. */
const DOCKER_HUB = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
export const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

export function isDockerHub(host: string): boolean {
  return DOCKER_HUB.has(host);
}

/** Whether a config.json key and a repository host name the same registry. */
export function sameRegistry(key: string, host: string): boolean {
  const keyHost = hostOfKey(key);
  return keyHost === host || (isDockerHub(keyHost) && isDockerHub(host));
}

function fromEnv(
  host: string,
  stage: string,
  spec: RegistryCredentialsConfig,
  env: CredentialSources['env'],
) {
  for (const key of ['usernameEnv', 'passwordEnv'] as const) {
    if (!env[spec[key]]) {
      throw new UserError(
        `imagegate.yaml: stages.${stage}.registry.credentials.${key}: environment variable ${spec[key]} is not set: export it before running imagegate (or remove credentials to use docker login)`,
      );
    }
  }
  return {
    host,
    source: `environment ${spec.usernameEnv}/${spec.passwordEnv} (stage ${stage})`,
    remedy: `check the values of ${spec.usernameEnv} and ${spec.passwordEnv}`,
    username: env[spec.usernameEnv] as string,
    password: env[spec.passwordEnv] as string,
  };
}

function fromEntry(
  host: string,
  file: string,
  key: string,
  entry: DockerAuthEntry,
): RegistryCredential | undefined {
  const source = `${file} auths["${key}"]`;
  const remedy = `${dockerLogin(host)} again`;
  const token = entry.identitytoken ? { identityToken: entry.identitytoken } : {};
  if (entry.username && entry.password) {
    return { host, source, remedy, username: entry.username, password: entry.password, ...token };
  }
  if (entry.auth) {
    const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = plain.indexOf(':');
    if (colon < 1) {
      throw new UserError(`${source}.auth: not base64 of user:password: ${remedy}`);
    }
    return {
      host,
      source,
      remedy,
      username: plain.slice(0, colon),
      password: plain.slice(colon + 1),
      ...token,
    };
  }
  // `docker login` with a helper leaves an empty entry behind; an identity token alone is a login.
  return entry.identitytoken ? { host, source, remedy, ...token } : undefined;
}

function fromHelper(
  host: string,
  file: string,
  via: string,
  helper: string,
  sources: CredentialSources,
): RegistryCredential | undefined {
  if (!/^[A-Za-z0-9._-]+$/.test(helper)) {
    throw new UserError(`${file} ${via}: "${helper}" is not a credential helper name: fix the entry`);
  }
  // Helpers key Docker Hub by its index URL, as `docker login` stored it.
  const got = sources.runHelper(helper, isDockerHub(host) ? DOCKER_HUB_KEY : host);
  if (!got?.Secret) return undefined;
  const source = `docker-credential-${helper} (${file} ${via})`;
  const remedy = `${dockerLogin(host)} (or refresh docker-credential-${helper}'s login)`;
  return got.Username === '<token>'
    ? { host, source, remedy, identityToken: got.Secret }
    : { host, source, remedy, username: got.Username ?? '', password: got.Secret };
}

function fromDockerConfig(host: string, sources: CredentialSources): RegistryCredential | undefined {
  const found = sources.dockerConfig();
  if (!found) return undefined;
  const { file, config } = found;
  const helperKey = Object.keys(config.credHelpers ?? {}).find((k) => sameRegistry(k, host));
  const helper = helperKey ? config.credHelpers?.[helperKey] : undefined;
  const viaHelper = helper
    ? fromHelper(host, file, `credHelpers["${helperKey}"]`, helper, sources)
    : config.credsStore
      ? fromHelper(host, file, 'credsStore', config.credsStore, sources)
      : undefined;
  if (viaHelper) return viaHelper;
  // An exact key first: `http://h` and `h` may both exist, and the plain one is what login wrote.
  const auths = config.auths ?? {};
  const key = host in auths ? host : Object.keys(auths).find((k) => sameRegistry(k, host));
  return key ? fromEntry(host, file, key, auths[key] as DockerAuthEntry) : undefined;
}

/** A registry stage's `credentials`, with the host of its repository. */
export interface StageLogin {
  stage: string;
  host: string;
  credentials: RegistryCredentialsConfig;
}

/**
 * The login for one registry host. `logins` lists the stages' `credentials`, the stage being
 * promoted to first: a pull from an earlier stage's registry uses that stage's credentials.
 */
export function resolveCredential(
  host: string,
  logins: StageLogin[],
  sources: CredentialSources,
): RegistryCredential {
  const login = logins.find((l) => l.host === host);
  if (login) return fromEnv(host, login.stage, login.credentials, sources.env);
  return fromDockerConfig(host, sources) ?? anonymous(host);
}

/** One resolution per host per run: a credential helper runs once, not once per request. */
export function credentialResolver(
  logins: StageLogin[],
  sources: CredentialSources,
): (host: string) => RegistryCredential {
  const cache = new Map<string, RegistryCredential>();
  return (host) => {
    let cred = cache.get(host);
    if (!cred) {
      cred = resolveCredential(host, logins, sources);
      cache.set(host, cred);
    }
    return cred;
  };
}

/** The X-Registry-Auth Docker Engine expects for push and pull; `{}` for anonymous. */
export function engineAuthConfig(cred: RegistryCredential): Record<string, string> {
  const serveraddress = isDockerHub(cred.host) ? DOCKER_HUB_KEY : cred.host;
  if (cred.username !== undefined && cred.password !== undefined) {
    return { username: cred.username, password: cred.password, serveraddress };
  }
  if (cred.identityToken) return { identitytoken: cred.identityToken, serveraddress };
  return {};
}

/** The one-line error for a refused login: who refused, which source, what to do; no secret. */
export function authRefused(cred: RegistryCredential, status: number, what: string): UserError {
  const anon = cred.username === undefined && !cred.identityToken;
  const why = anon
    ? `registry ${cred.host} requires a login for ${what} (${status}) and none was found`
    : status === 403
      ? `registry ${cred.host} denied ${what} (403) to the login from ${cred.source}`
      : `registry ${cred.host} refused the login from ${cred.source} for ${what} (${status})`;
  return new UserError(`${why}: ${cred.remedy}`, AUTH_REFUSED);
}
