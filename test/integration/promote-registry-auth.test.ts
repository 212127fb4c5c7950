/**
 * Promotion into a real registry that requires a login: Debian's docker-registry with htpasswd
 * auth on loopback (a `Basic` challenge), fed by the real Docker Engine. Credentials come from
 * the stage's environment variables, from a Docker config.json, and from a credsStore helper.
 * The Bearer token flow is tested in test/unit/promote/registry-session.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StagesConfig } from '../../src/config/types.js';
import { identityTag, planRegistry } from '../../src/promote/plan.js';
import { executeRegistry, pullImage } from '../../src/promote/registry.js';
import { getManifest } from '../../src/promote/registry-api.js';
import type { RegistryCredential } from '../../src/promote/registry-auth.js';
import { RegistrySession } from '../../src/promote/registry-session.js';
import { promoteArtifact } from '../../src/promote/run.js';
import { requireDocker } from '../helpers/engines.js';
import { installDevKey } from '../helpers/evidence.js';
import { buildFixtureImage, removeFixtureImages } from '../helpers/fixture-image.js';
import { type LocalRegistry, startRegistry } from '../helpers/registry.js';
import { makeVerdict, storeVerdict } from '../helpers/verdicts.js';

const RUN = `promote-auth-${process.pid}-${Date.now()}`;
const TESTED = `imagegate-test/${RUN}:tested`;
const USER = 'ci-bot';
const PASSWORD = `pw-${RUN}`;
const WRONG = `wrong-${RUN}`;
const docker = new Dockerode();
let registry: LocalRegistry;
let dir: string;
let stateDir: string;
let testedId: string;
let verdictFile: string;

const login = (password = PASSWORD): RegistryCredential => ({
  host: registry.host,
  source: 'test',
  remedy: 'fix the test',
  username: USER,
  password,
});

/** Tags in a repository, read with the right login; [] when the repository does not exist. */
async function tagsOf(name: string): Promise<string[]> {
  const res = await fetch(`http://${registry.host}/v2/${name}/tags/list`, {
    headers: { Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` },
  });
  if (res.status === 404) return [];
  return ((await res.json()) as { tags: string[] | null }).tags ?? [];
}

/** A DOCKER_CONFIG directory holding `config`, and an environment without any other login. */
function dockerConfig(name: string, config: unknown, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const cfg = join(dir, name);
  mkdirSync(cfg);
  writeFileSync(join(cfg, 'config.json'), JSON.stringify(config));
  return { PATH: process.env.PATH, HOME: dir, DOCKER_CONFIG: cfg, ...extra };
}

const stage = (repository: string, more: object = {}): StagesConfig => ({
  dev: {
    trust: ['local-dev'],
    registry: { repository: `${registry.host}/${repository}`, tags: ['dev'], ...more },
  },
});
const credentials = { usernameEnv: 'REG_USER', passwordEnv: 'REG_PASS' };

const promote = (stages: StagesConfig, env: NodeJS.ProcessEnv, artifact = TESTED, to = 'dev') =>
  promoteArtifact({ artifact, to, stages, stateDir, docker, env });

beforeAll(async () => {
  requireDocker();
  registry = await startRegistry({ login: { username: USER, password: PASSWORD } });
  testedId = buildFixtureImage(TESTED, RUN, RUN);
  dir = mkdtempSync(join(tmpdir(), 'imagegate-promote-auth-'));
  stateDir = join(dir, '.imagegate');
  installDevKey(stateDir);
  verdictFile = storeVerdict(
    stateDir,
    makeVerdict({ kind: 'docker-image', id: testedId, reference: TESTED }),
  );
});

afterAll(async () => {
  removeFixtureImages(RUN);
  await registry?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('promote to a registry that requires a login', () => {
  it('without any login: exit 4, the registry named, docker login suggested, nothing pushed', async () => {
    const env = { PATH: process.env.PATH, HOME: dir };
    await expect(promote(stage('anon/web'), env)).rejects.toMatchObject({
      exitCode: 4,
      message: `registry ${registry.host} requires a login for pull of anon/web (401) and none was found: run \`docker login ${registry.host}\` or set registry.credentials (usernameEnv, passwordEnv) on the stage`,
    });
    expect(await tagsOf('anon/web')).toEqual([]);
  });

  it('a stage credentials variable that is not set: exit 2 naming stage and variable', async () => {
    const env = { PATH: process.env.PATH, HOME: dir, REG_USER: USER };
    await expect(promote(stage('env/web', { credentials }), env)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(
        /^imagegate\.yaml: stages\.dev\.registry\.credentials\.passwordEnv: environment variable REG_PASS is not set/,
      ),
    });
  });

  it('a wrong password: exit 4 naming registry and source, no secret, nothing pushed or tagged', async () => {
    const env = { PATH: process.env.PATH, HOME: dir, REG_USER: USER, REG_PASS: WRONG };
    const err = (await promote(stage('wrong/web', { credentials }), env).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(err).toMatchObject({
      exitCode: 4,
      message: `registry ${registry.host} refused the login from environment REG_USER/REG_PASS (stage dev) for pull of wrong/web (401): check the values of REG_USER and REG_PASS`,
    });
    expect(err.message).not.toContain(WRONG);
    expect(await tagsOf('wrong/web')).toEqual([]);
    const local = execFileSync('docker', ['image', 'inspect', '--format', '{{json .RepoTags}}', testedId], {
      encoding: 'utf8',
    });
    expect(local).not.toContain('wrong/web');
  });

  it('Docker Engine refuses a wrong password for push and pull: exit 4, nothing stored', async () => {
    const session = new RegistrySession(() => login(WRONG));
    const plan = planRegistry(
      { kind: 'registry', name: 'dev', repository: `${registry.host}/engine/web`, tags: ['dev'] },
      { imageId: testedId, tags: {} },
    );
    await expect(executeRegistry(docker, plan, testedId, session)).rejects.toMatchObject({
      exitCode: 4,
      message: expect.stringMatching(/refused the login from test for push to engine\/web \(401\)/),
    });
    expect(await tagsOf('engine/web')).toEqual([]);
    await expect(pullImage(docker, `${registry.host}/engine/web:dev`, login(WRONG))).rejects.toMatchObject({
      exitCode: 4,
    });
  });

  it('promotes with the stage credentials from environment variables', async () => {
    const env = { PATH: process.env.PATH, HOME: dir, REG_USER: USER, REG_PASS: PASSWORD };
    const result = await promote(stage('env/web', { credentials }), env);
    expect(result.changed).toBe(true);
    const m = await getManifest(`${registry.host}/env/web`, 'dev', new RegistrySession(() => login()));
    expect(m?.config).toBe(testedId);
    expect(result.record?.registry?.digest).toBe(m?.digest);
    // The third tag is the referrers fallback index naming the attached evidence.
    expect((await tagsOf('env/web')).sort()).toEqual(
      [identityTag(testedId), 'dev', m!.digest.replace(':', '-')].sort(),
    );
  });

  it('promotes with the login `docker login` wrote to config.json auths', async () => {
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    const env = dockerConfig('auths', { auths: { [registry.host]: { auth } } });
    const result = await promote(stage('auths/web'), env);
    expect(result.record?.registry?.tags).toEqual([identityTag(testedId), 'dev']);
    expect(await tagsOf('auths/web')).toContain('dev');
  });

  it('promotes with the login a credsStore helper gives, found on PATH', async () => {
    const bin = join(dir, 'helper-bin');
    mkdirSync(bin);
    const asked = join(dir, 'helper-asked');
    // The credential helper protocol: `get`, the server on stdin, {ServerURL,Username,Secret} out.
    writeFileSync(
      join(bin, 'docker-credential-imagegate-test'),
      [
        '#!/bin/sh',
        'read -r host',
        `echo "$1 $host" >> '${asked}'`,
        `if [ "$host" = '${registry.host}' ]; then`,
        `  printf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}' "$host"`,
        'else echo "credentials not found in native keychain"; exit 1; fi',
        '',
      ].join('\n'),
    );
    chmodSync(join(bin, 'docker-credential-imagegate-test'), 0o755);
    const env = dockerConfig(
      'store',
      { credsStore: 'imagegate-test' },
      { PATH: `${bin}:${process.env.PATH}` },
    );
    const result = await promote(stage('store/web'), env);
    expect(result.changed).toBe(true);
    expect(await tagsOf('store/web')).toContain('dev');
    // Asked once for the run, though push, verify and retag each needed the login.
    expect(readFileSync(asked, 'utf8')).toBe(`get ${registry.host}\n`);
  });

  it('a credential helper missing from PATH: exit 2 naming it', async () => {
    const env = dockerConfig('missing-helper', { credHelpers: { [registry.host]: 'not-installed' } });
    await expect(promote(stage('helper/web'), env)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^docker-credential-not-installed not found on PATH/),
    });
  });
});

describe('imagegate promote (CLI) with a login', () => {
  const bin = join(process.cwd(), 'bin', 'imagegate');
  let work: string;

  beforeAll(() => {
    if (!existsSync(join(process.cwd(), 'dist', 'cli', 'main.js'))) {
      throw new Error('dist/ is missing: run `npm run build` before the integration tests');
    }
    work = join(dir, 'cli');
    mkdirSync(work);
    writeFileSync(
      join(work, 'imagegate.yaml'),
      [
        'stages:',
        '  qa:',
        '    trust: [local-dev]',
        '    registry:',
        `      repository: "${registry.host}/qa/web"`,
        '      tags: [qa]',
        '      credentials: { usernameEnv: REG_USER, passwordEnv: REG_PASS }',
        '',
      ].join('\n'),
    );
    installDevKey(join(work, '.imagegate'));
  });

  const cli = (password: string) =>
    spawnSync(
      bin,
      ['promote', TESTED, '--to', 'qa', '--evidence', verdictFile, '--config', join(work, 'imagegate.yaml')],
      { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir, REG_USER: USER, REG_PASS: password } },
    );

  it('a wrong password: exit 4, one line on stderr, the password nowhere', async () => {
    const r = cli(WRONG);
    expect(r.status).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      `imagegate: registry ${registry.host} refused the login from environment REG_USER/REG_PASS (stage qa) for pull of qa/web (401): check the values of REG_USER and REG_PASS`,
    ]);
    expect(await tagsOf('qa/web')).toEqual([]);
  });

  it('the right password promotes; no secret in output, verdict or promotion record', async () => {
    const r = cli(PASSWORD);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`promoted: .*\\n  ${registry.host}/qa/web@sha256:`));
    expect(await tagsOf('qa/web')).toContain('qa');
    const written = [r.stdout, r.stderr, readFileSync(verdictFile, 'utf8')];
    written.push(readFileSync(join(work, '.imagegate', 'promotions.jsonl'), 'utf8'));
    for (const text of written) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));
    }
  });
});

describe('promote on from a registry stage that requires a login', () => {
  it("pulls with the earlier stage's credentials (same registry host) and promotes on", async () => {
    execFileSync('docker', ['rmi', '--force', testedId], { stdio: 'pipe' });
    const env = { PATH: process.env.PATH, HOME: dir, REG_USER: USER, REG_PASS: PASSWORD };
    const stages: StagesConfig = {
      ...stage('env/web', { credentials }),
      mirror: {
        requires: 'dev',
        trust: ['local-dev'],
        registry: { repository: `${registry.host}/mirror/web`, tags: ['mirror'] },
      },
    };
    const result = await promote(stages, env, `${registry.host}/env/web:dev`, 'mirror');
    expect(result.artifact.id).toBe(testedId);
    expect(await tagsOf('mirror/web')).toContain('mirror');
  });
});
