import Docker from 'dockerode';
import type { Transport } from '../suite/transport.js';
import { DockerTransport } from './docker.js';
import { TargetError } from './errors.js';
import { LocalTransport } from './local.js';
import { type SshEndpoint, SshTransport } from './ssh.js';

export interface OpenOptions {
  identity?: string;
  knownHosts?: string;
  insecureIgnoreHostKey?: boolean;
  /** Name of the environment variable that holds the SSH password. */
  passwordEnv?: string;
  /** Jump host as `user@host[:port]` or `ssh://user@host[:port]`. */
  jump?: string;
  /** Told when a host key is accepted without verification (--insecure-ignore-host-key). */
  onWarning?: (message: string) => void;
}

export type ParsedTarget =
  | { kind: 'local' }
  | { kind: 'docker'; container: string }
  | { kind: 'ssh'; endpoint: SshEndpoint };

const USAGE = 'expected local, docker://CONTAINER or ssh://user@host[:port]';

/** Parse a `--target` string; pure, so every malformed form gets a precise message. */
export function parseTarget(target: string): ParsedTarget {
  if (target === 'local') return { kind: 'local' };
  if (target.startsWith('docker://')) {
    const container = target.slice('docker://'.length);
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(container)) {
      throw new TargetError(
        `target "${target}": container name or id missing or invalid (${USAGE})`,
        'bad-input',
      );
    }
    return { kind: 'docker', container };
  }
  if (target.startsWith('ssh://'))
    return { kind: 'ssh', endpoint: parseSshEndpoint(target.slice('ssh://'.length), target) };
  throw new TargetError(`target "${target}": unknown form (${USAGE})`, 'bad-input');
}

/** `user@host`, `user@host:2222`, `user@[::1]:2222`. */
export function parseSshEndpoint(text: string, original = text): SshEndpoint {
  const m = /^([^@/:\s]+)@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d+))?$/.exec(text);
  if (!m) {
    throw new TargetError(
      `target "${original}": expected ssh://user@host[:port] (user and host are required)`,
      'bad-input',
    );
  }
  const [, user, rawHost, rawPort] = m as unknown as [string, string, string, string | undefined];
  const port = rawPort === undefined ? 22 : Number(rawPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TargetError(`target "${original}": port ${rawPort} is not between 1 and 65535`, 'bad-input');
  }
  return { user, host: rawHost.replace(/^\[|\]$/g, ''), port };
}

/** Open the transport a target string names: `local`, `docker://CONTAINER`, `ssh://user@host[:port]`. */
export async function openTransport(target: string, opts: OpenOptions = {}): Promise<Transport> {
  const parsed = parseTarget(target);
  switch (parsed.kind) {
    case 'local':
      return new LocalTransport();
    case 'docker':
      return openDocker(parsed.container);
    case 'ssh':
      return SshTransport.connect(parsed.endpoint, {
        ...opts,
        // The user's flag covers the whole route they named, jump host included.
        ...(opts.insecureIgnoreHostKey ? { insecureIgnoreJumpHostKey: true } : {}),
        jump:
          opts.jump === undefined
            ? undefined
            : parseSshEndpoint(opts.jump.replace(/^ssh:\/\//, ''), opts.jump),
      });
  }
}

async function openDocker(name: string): Promise<Transport> {
  const container = new Docker().getContainer(name);
  let running: boolean;
  let pid: number;
  try {
    const state = (await container.inspect()).State;
    running = state.Running;
    pid = state.Pid;
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 404)
      throw new TargetError(`docker://${name}: no such container (see \`docker ps\`)`, 'bad-input');
    throw new TargetError(
      `docker://${name}: cannot reach the Docker Engine (${(err as Error).message})`,
      'connect',
    );
  }
  if (!running)
    throw new TargetError(`docker://${name}: container is not running (start it first)`, 'bad-input');
  return new DockerTransport(container, name, pid);
}
