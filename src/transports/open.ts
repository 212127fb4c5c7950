import type { Transport } from '../suite/transport.js';
import { TargetError } from './errors.js';
import { LocalTransport } from './local.js';
import type { SshEndpoint } from './ssh.js';
import type { SsmEndpoint } from './ssm.js';

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
  | { kind: 'ssh'; endpoint: SshEndpoint }
  | { kind: 'ssm'; endpoint: SsmEndpoint };

const USAGE =
  'expected local, docker://CONTAINER, ssh://user@host[:port] or ssm://INSTANCE-ID[?region=REGION]';

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
  if (target.startsWith('ssm://')) return { kind: 'ssm', endpoint: parseSsmEndpoint(target) };
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

/** `ssm://i-0123456789abcdef0` or `ssm://mi-…` (hybrid node), optionally `?region=eu-west-1`. */
export function parseSsmEndpoint(target: string): SsmEndpoint {
  const m = /^ssm:\/\/([^?]*)(?:\?(.*))?$/.exec(target);
  const id = m?.[1] ?? '';
  if (!/^m?i-[0-9a-f]{8,17}$/.test(id)) {
    throw new TargetError(
      `target "${target}": expected ssm://i-0123456789abcdef0 (an EC2 instance or mi- managed node id)`,
      'bad-input',
    );
  }
  const endpoint: SsmEndpoint = { instanceId: id };
  for (const pair of (m?.[2] ?? '').split('&').filter(Boolean)) {
    const [key, value = ''] = pair.split('=', 2) as [string, string?];
    if (key === 'region' && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(value)) endpoint.region = value;
    else
      throw new TargetError(
        `target "${target}": unknown or malformed parameter "${pair}" (only ?region=REGION, e.g. ?region=eu-west-1)`,
        'bad-input',
      );
  }
  return endpoint;
}

/**
 * Open the transport a target string names: `local`, `docker://CONTAINER`, `ssh://…`, `ssm://…`.
 * Each kind imports its client when used: the docker, ssh2 and SSM clients cost a few hundred ms
 * of start-up, which a run over another transport should not pay.
 */
export async function openTransport(target: string, opts: OpenOptions = {}): Promise<Transport> {
  const parsed = parseTarget(target);
  switch (parsed.kind) {
    case 'local':
      return new LocalTransport();
    case 'docker':
      return openDocker(parsed.container);
    case 'ssh': {
      const { SshTransport } = await import('./ssh.js');
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
    case 'ssm':
      return openSsm(parsed.endpoint);
  }
}

/** Loaded lazily: docker and SSH users should not pay for the SSM client. */
async function openSsm(endpoint: SsmEndpoint): Promise<Transport> {
  const [{ AwsClients }, { SsmTransport }] = await Promise.all([
    import('../aws/clients.js'),
    import('./ssm.js'),
  ]);
  const region = endpoint.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new TargetError(
      `ssm://${endpoint.instanceId}: no region: add ?region=REGION to the target or set AWS_REGION`,
      'bad-input',
    );
  }
  return SsmTransport.open(new AwsClients().ssm({ region }), { ...endpoint, region });
}

async function openDocker(name: string): Promise<Transport> {
  const [{ containerHandle }, { DockerTransport }] = await Promise.all([
    import('./docker-client.js'),
    import('./docker.js'),
  ]);
  const container = containerHandle(name);
  let running: boolean;
  let pid: number;
  let env: string[];
  try {
    const info = await container.inspect();
    const state = info.State;
    running = state.Running;
    pid = state.Pid;
    env = info.Config?.Env ?? [];
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
  return new DockerTransport(container, name, pid, env);
}
