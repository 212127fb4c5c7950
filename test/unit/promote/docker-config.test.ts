/** Docker's config.json and credential helpers, with real files and helper scripts in a temp dir. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerConfigPath, dockerConfigSources } from '../../../src/promote/docker-config.js';

let dir: string;
let bin: string;

function helper(name: string, script: string): void {
  const file = join(bin, `docker-credential-${name}`);
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'imagegate-docker-config-'));
  bin = join(dir, 'bin');
  mkdirSync(bin);
  // The helper protocol: `get`, the server on stdin, JSON or "credentials not found" + exit 1.
  helper(
    'fake',
    [
      'read -r host',
      '[ "$1" = get ] || exit 2',
      'case "$host" in',
      '  reg.example.com) printf \'{"ServerURL":"%s","Username":"alice","Secret":"s3cret"}\' "$host" ;;',
      '  *) echo "credentials not found in native keychain"; exit 1 ;;',
      'esac',
    ].join('\n'),
  );
  helper('broken', 'echo "error getting credentials - err: exit status 255" >&2; exit 1');
  helper('garbled', 'echo not-json');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = (extra: Record<string, string> = {}) => ({ PATH: `${bin}:/usr/bin:/bin`, HOME: dir, ...extra });

describe('Docker config.json', () => {
  it('lives in $DOCKER_CONFIG, else ~/.docker', () => {
    expect(dockerConfigPath({ DOCKER_CONFIG: '/ci/docker', HOME: '/root' })).toBe('/ci/docker/config.json');
    expect(dockerConfigPath({ HOME: '/home/ci' })).toBe('/home/ci/.docker/config.json');
  });

  it('is read when present, absent is no config, and broken JSON is named', () => {
    const cfg = join(dir, 'cfg');
    mkdirSync(cfg);
    const sources = dockerConfigSources(env({ DOCKER_CONFIG: cfg }));
    expect(sources.dockerConfig()).toBeUndefined();
    writeFileSync(join(cfg, 'config.json'), '{"credsStore":"fake"}');
    expect(sources.dockerConfig()).toEqual({
      file: join(cfg, 'config.json'),
      config: { credsStore: 'fake' },
    });
    writeFileSync(join(cfg, 'config.json'), '{"auths": {');
    expect(() => sources.dockerConfig()).toThrow(
      new RegExp(`^${join(cfg, 'config.json')}: not valid JSON .*: fix it or run \`docker login\` again$`),
    );
  });
});

describe('credential helpers', () => {
  const sources = () => dockerConfigSources(env());

  it('answer `get` with the host on stdin', () => {
    expect(sources().runHelper('fake', 'reg.example.com')).toEqual({
      ServerURL: 'reg.example.com',
      Username: 'alice',
      Secret: 's3cret',
    });
  });

  it('"credentials not found" means no login for that host', () => {
    expect(sources().runHelper('fake', 'ghcr.io')).toBeUndefined();
  });

  it('a helper missing from PATH is bad input (exit 2) saying what to do', () => {
    expect(() => sources().runHelper('ecr-login', 'x.dkr.ecr.eu-west-1.amazonaws.com')).toThrow(
      /^docker-credential-ecr-login not found on PATH \(named in .*config\.json\): install it, or remove it from credHelpers\/credsStore$/,
    );
  });

  it('a failing or garbled helper stops with exit 4 and its first line', () => {
    let err: unknown;
    try {
      sources().runHelper('broken', 'reg.example.com');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      exitCode: 4,
      message:
        'docker-credential-broken get for reg.example.com failed: error getting credentials - err: exit status 255',
    });
    expect(() => sources().runHelper('garbled', 'reg.example.com')).toThrow(/printed no JSON credential/);
  });
});
