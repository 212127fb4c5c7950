import { request } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';

/** What the docker transport asks of a container: inspect it, and run execs in it. */
export interface ContainerHandle {
  inspect(): Promise<{ State: { Running: boolean; Pid: number }; Config?: { Env?: string[] | null } }>;
  exec(opts: Docker.ExecCreateOptions): Promise<ExecHandle>;
}

export interface ExecHandle {
  /** The exec's hijacked stream: stdin in, multiplexed stdout/stderr frames out. */
  start(opts: { hijack: true; stdin: boolean }): Promise<Duplex>;
  inspect(): Promise<{ Running: boolean; ExitCode: number | null }>;
}

/** An Engine API error keeps its HTTP status, as docker-modem's does (404 = no such container). */
class EngineError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

/**
 * A handle on one existing container. On the usual local engine (a Unix socket) it speaks the
 * three Engine API calls exec needs over node:http: docker-modem loads ssh2 and its 16 MiB
 * poly1305 heap for ssh:// engines: ~8 MiB of a `validate`'s peak memory (69 → 61 MiB). Remote engines
 * (DOCKER_HOST tcp:// or ssh://, TLS settings) go through docker-modem, which reads them as the
 * docker CLI does; dockerode's entry point is skipped either way (its BuildKit code loads
 * grpc-js and protobufjs, ~0.3 s that exec never uses).
 */
export function containerHandle(name: string): ContainerHandle {
  const host = process.env.DOCKER_HOST ?? '';
  if (host === '' || host.startsWith('unix://')) {
    return unixContainer(host === '' ? '/var/run/docker.sock' : host.slice('unix://'.length), name);
  }
  const require = createRequire(import.meta.url);
  const Modem = require('docker-modem') as new () => { Promise: PromiseConstructor };
  const Container = require('dockerode/lib/container') as new (
    modem: unknown,
    id: string,
  ) => Docker.Container;
  const modem = new Modem();
  modem.Promise = Promise;
  return new Container(modem, name);
}

/** The API version docker-modem would negotiate down to is not needed: these calls are v1.24+. */
const API = '/v1.24';

function unixContainer(socketPath: string, name: string): ContainerHandle {
  const call = <T>(method: string, path: string, body?: unknown): Promise<T> =>
    new Promise((resolve, reject) => {
      const req = request(
        { socketPath, method, path: API + path, headers: { 'Content-Type': 'application/json' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (b: Buffer) => chunks.push(b));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              resolve((text === '' ? {} : JSON.parse(text)) as T);
              return;
            }
            reject(new EngineError(engineMessage(text, status), status));
          });
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  const id = encodeURIComponent(name);
  return {
    inspect: () => call('GET', `/containers/${id}/json`),
    async exec(opts) {
      const { Id } = await call<{ Id: string }>('POST', `/containers/${id}/exec`, opts);
      return {
        start: () => hijack(socketPath, `${API}/exec/${Id}/start`),
        inspect: () => call('GET', `/exec/${Id}/json`),
      };
    },
  };
}

/** `POST /exec/ID/start` upgraded to a raw stream, the way the docker CLI attaches. */
function hijack(socketPath: string, path: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const req = request({
      socketPath,
      method: 'POST',
      path,
      headers: { 'Content-Type': 'application/json', Connection: 'Upgrade', Upgrade: 'tcp' },
    });
    req.on('upgrade', (_res, socket, head) => {
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        reject(new EngineError(engineMessage(Buffer.concat(chunks).toString('utf8'), status), status));
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify({ Detach: false, Tty: false }));
  });
}

function engineMessage(text: string, status: number): string {
  try {
    const msg = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof msg === 'string') return `(HTTP code ${status}) ${msg}`;
  } catch {
    // not JSON: fall through to the raw text
  }
  return `(HTTP code ${status}) ${text.trim() || 'no message'}`;
}
