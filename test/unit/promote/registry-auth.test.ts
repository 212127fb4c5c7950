import { describe, expect, it } from 'vitest';
import { registryUrl } from '../../../src/promote/registry-api.js';
import {
  AUTH_REFUSED,
  anonymous,
  authRefused,
  type CredentialSources,
  credentialResolver,
  type DockerConfigFile,
  engineAuthConfig,
  type HelperCredential,
  hostOfKey,
  resolveCredential,
  type StageLogin,
} from '../../../src/promote/registry-auth.js';

const HOST = 'registry.example.com:5000';
const FILE = '/home/ci/.docker/config.json';
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Sources as the I/O edge would give them; records which helpers were asked for which host. */
function sources(
  config: DockerConfigFile | undefined,
  helpers: Record<string, Record<string, HelperCredential>> = {},
  env: Record<string, string> = {},
) {
  const calls: string[] = [];
  const s: CredentialSources = {
    env,
    dockerConfig: () => (config ? { file: FILE, config } : undefined),
    runHelper: (helper, host) => {
      calls.push(`${helper} ${host}`);
      return helpers[helper]?.[host];
    },
  };
  return { s, calls };
}

const login: StageLogin = {
  stage: 'prod',
  host: HOST,
  credentials: { usernameEnv: 'REG_USER', passwordEnv: 'REG_PASS' },
};

describe('registry credential resolution', () => {
  it('takes the stage credentials from the named environment variables before Docker config', () => {
    const { s, calls } = sources(
      { auths: { [HOST]: { auth: b64('other:pw') } }, credsStore: 'desktop' },
      {},
      { REG_USER: 'ci-bot', REG_PASS: 'hunter2' },
    );
    const cred = resolveCredential(HOST, [login], s);
    expect(cred).toMatchObject({ username: 'ci-bot', password: 'hunter2' });
    expect(cred.source).toBe('environment REG_USER/REG_PASS (stage prod)');
    expect(calls).toEqual([]);
  });

  it('a missing variable is bad input naming the stage, the key and the variable, not a value', () => {
    const { s } = sources(undefined, {}, { REG_USER: 'ci-bot' });
    let err: unknown;
    try {
      resolveCredential(HOST, [login], s);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(
        /^imagegate\.yaml: stages\.prod\.registry\.credentials\.passwordEnv: environment variable REG_PASS is not set: export it/,
      ),
    });
    expect((err as Error).message).not.toContain('ci-bot');
  });

  it('stage credentials apply only to their own registry host', () => {
    const { s } = sources(undefined, {}, { REG_USER: 'u', REG_PASS: 'p' });
    expect(resolveCredential('ghcr.io', [login], s)).toEqual(anonymous('ghcr.io'));
  });

  it('reads auths: base64 user:password (a colon in the password survives), or username/password', () => {
    const { s } = sources({
      auths: { [HOST]: { auth: b64('alice:pa:ss') }, 'ghcr.io': { username: 'bob', password: 'ghp_x' } },
    });
    expect(resolveCredential(HOST, [], s)).toMatchObject({
      username: 'alice',
      password: 'pa:ss',
      source: `${FILE} auths["${HOST}"]`,
    });
    expect(resolveCredential('ghcr.io', [], s)).toMatchObject({ username: 'bob', password: 'ghp_x' });
  });

  it('matches auths keys the way Docker normalises them (scheme and path dropped)', () => {
    expect(hostOfKey('https://registry.example.com:5000/v1/')).toBe(HOST);
    const { s } = sources({ auths: { [`https://${HOST}/v2/`]: { auth: b64('alice:pw') } } });
    expect(resolveCredential(HOST, [], s)).toMatchObject({ username: 'alice' });
  });

  it('finds Docker Hub logins under the index URL `docker login` uses, for every Hub name', () => {
    const hub = 'https://index.docker.io/v1/';
    const { s } = sources({ auths: { [hub]: { auth: b64('hubuser:tok') } } });
    for (const host of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
      expect(resolveCredential(host, [], s)).toMatchObject({ username: 'hubuser', password: 'tok' });
    }
    expect(engineAuthConfig(resolveCredential('docker.io', [], s)).serveraddress).toBe(hub);
    expect(resolveCredential('ghcr.io', [], s).username).toBeUndefined();
    // A credential helper is asked with the index URL too, as Docker asks it.
    const viaHelper = sources(
      { credsStore: 'desktop' },
      { desktop: { [hub]: { Username: 'u', Secret: 's' } } },
    );
    expect(resolveCredential('docker.io', [], viaHelper.s)).toMatchObject({ username: 'u', password: 's' });
    expect(viaHelper.calls).toEqual([`desktop ${hub}`]);
    expect(registryUrl('docker.io')).toBe('https://registry-1.docker.io');
    expect(registryUrl('ghcr.io')).toBe('https://ghcr.io');
  });

  it('an identitytoken alone is a login; a broken auth field is named without its content', () => {
    const { s } = sources({
      auths: { [HOST]: { identitytoken: 'refresh-me' }, 'bad.io': { auth: b64('nocolon') } },
    });
    expect(resolveCredential(HOST, [], s)).toMatchObject({ identityToken: 'refresh-me' });
    expect(resolveCredential(HOST, [], s).username).toBeUndefined();
    expect(() => resolveCredential('bad.io', [], s)).toThrow(
      /auths\["bad\.io"\]\.auth: not base64 of user:password/,
    );
  });

  it('credHelpers[host] wins over credsStore, which wins over auths', () => {
    const config: DockerConfigFile = {
      credHelpers: { [HOST]: 'ecr-login' },
      credsStore: 'pass',
      auths: { [HOST]: { auth: b64('file:pw') }, 'ghcr.io': { auth: b64('file:pw') } },
    };
    const { s, calls } = sources(config, {
      'ecr-login': { [HOST]: { Username: 'AWS', Secret: 'ecr-token' } },
      pass: { 'ghcr.io': { Username: 'bob', Secret: 'from-store' } },
    });
    expect(resolveCredential(HOST, [], s)).toMatchObject({
      username: 'AWS',
      password: 'ecr-token',
      source: `docker-credential-ecr-login (${FILE} credHelpers["${HOST}"])`,
    });
    expect(resolveCredential('ghcr.io', [], s)).toMatchObject({ password: 'from-store' });
    expect(calls).toEqual([`ecr-login ${HOST}`, 'pass ghcr.io']);
  });

  it('a helper with nothing for the host falls back to auths, then anonymous', () => {
    const { s } = sources({ credsStore: 'pass', auths: { [HOST]: { auth: b64('file:pw') } } });
    expect(resolveCredential(HOST, [], s)).toMatchObject({ username: 'file', password: 'pw' });
    expect(resolveCredential('quay.io', [], s)).toEqual(anonymous('quay.io'));
  });

  it("a helper's <token> user is an identity token", () => {
    const { s } = sources(
      { credsStore: 'desktop' },
      { desktop: { [HOST]: { Username: '<token>', Secret: 'rt' } } },
    );
    const cred = resolveCredential(HOST, [], s);
    expect(cred).toMatchObject({ identityToken: 'rt' });
    expect(engineAuthConfig(cred)).toEqual({ identitytoken: 'rt', serveraddress: HOST });
  });

  it('refuses a helper name that could run another program', () => {
    const { s, calls } = sources({ credsStore: '../../tmp/x' });
    expect(() => resolveCredential(HOST, [], s)).toThrow(
      /credsStore: "\.\.\/\.\.\/tmp\/x" is not a credential helper name/,
    );
    expect(calls).toEqual([]);
  });

  it('asks a helper once per host per run', () => {
    const { s, calls } = sources(
      { credsStore: 'pass' },
      { pass: { [HOST]: { Username: 'u', Secret: 's' } } },
    );
    const resolve = credentialResolver([], s);
    expect(resolve(HOST)).toBe(resolve(HOST));
    expect(calls).toEqual([`pass ${HOST}`]);
  });

  it('gives Docker Engine user, password and server address, or nothing when anonymous', () => {
    const { s } = sources({ auths: { [HOST]: { auth: b64('alice:pw') } } });
    expect(engineAuthConfig(resolveCredential(HOST, [], s))).toEqual({
      username: 'alice',
      password: 'pw',
      serveraddress: HOST,
    });
    expect(engineAuthConfig(anonymous(HOST))).toEqual({});
  });
});

describe('refused logins', () => {
  const cred = {
    host: HOST,
    source: 'environment U/P (stage prod)',
    remedy: 'check U and P',
    username: 'u',
    password: 'sekrit',
  };

  it('name the registry, the source and the remedy, never the secret', () => {
    const err = authRefused(cred, 401, 'push to prod/web');
    expect(err.exitCode).toBe(AUTH_REFUSED);
    expect(err.message).toBe(
      `registry ${HOST} refused the login from environment U/P (stage prod) for push to prod/web (401): check U and P`,
    );
    expect(err.message).not.toContain('sekrit');
    expect(authRefused(cred, 403, 'push to prod/web').message).toMatch(
      /denied push to prod\/web \(403\) to the login from/,
    );
  });

  it('say no login was found when there was none', () => {
    expect(authRefused(anonymous(HOST), 401, 'pull of dev/web').message).toBe(
      `registry ${HOST} requires a login for pull of dev/web (401) and none was found: run \`docker login ${HOST}\` or set registry.credentials (usernameEnv, passwordEnv) on the stage`,
    );
  });
});
