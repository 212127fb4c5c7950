/**
 * The I/O behind registry logins: Docker's config.json (`$DOCKER_CONFIG/config.json`, else
 * `~/.docker/config.json`) and credential helpers (`docker-credential-<name> get`, the host
 * on stdin, `{"Username","Secret"}` on stdout), as the Docker CLI uses them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import {
  AUTH_REFUSED,
  type CredentialSources,
  type DockerConfigFile,
  type HelperCredential,
} from './registry-auth.js';

/** Helpers answer from a keychain or one API call (ECR's GetAuthorizationToken); a hung one must not hang promotion. */
const HELPER_TIMEOUT_MS = 60_000;

export function dockerConfigPath(env: Record<string, string | undefined>): string {
  return join(env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker'), 'config.json');
}

function readDockerConfig(file: string): { file: string; config: DockerConfigFile } | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return { file, config: JSON.parse(readFileSync(file, 'utf8')) as DockerConfigFile };
  } catch (err) {
    throw new UserError(
      `${file}: not valid JSON (${(err as Error).message}): fix it or run \`docker login\` again`,
    );
  }
}

function runHelper(helper: string, host: string, env: NodeJS.ProcessEnv): HelperCredential | undefined {
  const bin = `docker-credential-${helper}`;
  const r = spawnSync(bin, ['get'], { input: host, env, encoding: 'utf8', timeout: HELPER_TIMEOUT_MS });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new UserError(
      `${bin} not found on PATH (named in ${dockerConfigPath(env)}): install it, or remove it from credHelpers/credsStore`,
    );
  }
  // A helper that exits without reading its stdin gives EPIPE on our side; its answer still counts.
  const broken = (r.error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE' && r.status !== null;
  if (r.error && !broken)
    throw new UserError(`${bin} get for ${host} failed: ${r.error.message}`, AUTH_REFUSED);
  if (r.status !== 0) {
    // The helper protocol's "nothing stored for this host": Docker then goes on without a login.
    if (/credentials not found/i.test(r.stdout)) return undefined;
    const why = `${r.stderr || r.stdout}`.trim().split('\n')[0] || `exit ${r.status}`;
    throw new UserError(`${bin} get for ${host} failed: ${why}`, AUTH_REFUSED);
  }
  try {
    return JSON.parse(r.stdout) as HelperCredential;
  } catch {
    throw new UserError(`${bin} get for ${host} printed no JSON credential: check the helper`, AUTH_REFUSED);
  }
}

export function dockerConfigSources(env: NodeJS.ProcessEnv = process.env): CredentialSources {
  return {
    env,
    dockerConfig: () => readDockerConfig(dockerConfigPath(env)),
    runHelper: (helper, host) => runHelper(helper, host, env),
  };
}
