import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './engines.js';

/** A Distribution registry (Debian `docker-registry`) on a loopback port, storage in a temp dir. */
export interface LocalRegistry {
  /** `127.0.0.1:PORT`, the host part of a repository name. */
  host: string;
  port: number;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** Require this login (htpasswd auth: a `Basic` challenge on every request without it). */
  login?: { username: string; password: string };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      server.close(() =>
        typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port')),
      );
    });
  });
}

async function until(ready: () => Promise<boolean>, ms: number, why: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(why());
}

export async function startRegistry(options: RegistryOptions = {}): Promise<LocalRegistry> {
  const bin = requireBinary('docker-registry', 'run `bash scripts/setup-host.sh` (installs docker-registry)');
  const dir = mkdtempSync(join(tmpdir(), 'imagegate-registry-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  const auth: string[] = [];
  if (options.login) {
    const htpasswd = requireBinary('htpasswd', 'run `bash scripts/setup-host.sh` (installs apache2-utils)');
    const { username, password } = options.login;
    // bcrypt is the only format Distribution accepts; cost 4 keeps each login check fast.
    const line = execFileSync(htpasswd, ['-nbB', '-C', '4', username, password], { encoding: 'utf8' });
    writeFileSync(join(dir, 'htpasswd'), line);
    auth.push(`auth: { htpasswd: { realm: imagegate-test, path: ${join(dir, 'htpasswd')} } }`);
  }
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: { level: error }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
      `http: { addr: "127.0.0.1:${port}" }`,
      ...auth,
      '',
    ].join('\n'),
  );
  let stderr = '';
  const child: ChildProcess = spawn(bin, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  // Safety net: a worker that dies without afterAll must not leave a registry behind.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  const stop = async () => {
    process.off('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(
      async () => {
        if (child.exitCode !== null) throw new Error(`docker-registry exited: ${stderr.trim()}`);
        // With a login required, a 401 is the registry answering as configured.
        return fetch(`http://127.0.0.1:${port}/v2/`).then(
          (r) => r.ok || (options.login !== undefined && r.status === 401),
          () => false,
        );
      },
      10_000,
      () => `docker-registry did not answer on 127.0.0.1:${port}: ${stderr.trim()}`,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: `127.0.0.1:${port}`, port, stop };
}
