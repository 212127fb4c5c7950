import { type ChildProcess, spawn } from 'node:child_process';
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

export async function startRegistry(): Promise<LocalRegistry> {
  const bin = requireBinary('docker-registry', 'run `bash scripts/setup-host.sh` (installs docker-registry)');
  const dir = mkdtempSync(join(tmpdir(), 'imagegate-registry-'));
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: { level: error }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
      `http: { addr: "127.0.0.1:${port}" }`,
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
        return fetch(`http://127.0.0.1:${port}/v2/`).then(
          (r) => r.ok,
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
