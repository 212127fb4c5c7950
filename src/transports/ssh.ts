import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import {
  type Algorithms,
  Client,
  type ClientChannel,
  type ConnectConfig,
  type ServerHostKeyAlgorithm,
} from 'ssh2';
import { shQuote } from '../suite/quote.js';
import { type ExecOptions, type ExecResult, ExecTimeoutError, type Transport } from '../suite/transport.js';
import { TargetError } from './errors.js';
import { EXEC_TOKEN_VAR, KILL_TAGGED } from './kill-script.js';
import {
  checkHostKey,
  fingerprint,
  keyTypeOf,
  knownHostsLine,
  knownKeyTypes,
  lookupName,
  parseKnownHosts,
} from './known-hosts.js';
import { signalNumber } from './local.js';
import { asSocket, withDeadline } from './stream-socket.js';
import { wrapScript } from './wrap.js';

export interface SshEndpoint {
  user: string;
  host: string;
  port: number;
}

export interface SshOptions {
  /** Private key file (`--identity`). */
  identity?: string;
  /** Private key material, for keys that never touch disk (EC2's temporary key pair). */
  privateKey?: string;
  /** Name of an environment variable holding the password; the password itself is never an argument. */
  passwordEnv?: string;
  /** known_hosts file; default ~/.ssh/known_hosts. */
  knownHosts?: string;
  /** Trust whatever key the server presents (throwaway hosts only); it is still recorded. */
  insecureIgnoreHostKey?: boolean;
  /**
   * Accept exactly these `SHA256:…` fingerprints for the target instead of known_hosts (EC2
   * console output). The jump host is always checked against known_hosts.
   */
  expectedFingerprints?: string[];
  jump?: SshEndpoint;
  /** Trust whatever key the jump host presents; separate, so an unverifiable target never lowers the bastion's check. */
  insecureIgnoreJumpHostKey?: boolean;
  readyTimeoutMs?: number;
  /** Told each time a host key is accepted without verification (and loudly when a known key differs). */
  onWarning?: (message: string) => void;
}

export interface HostKeyRecord {
  type: string;
  fingerprint: string;
  /** How the key was trusted: a known_hosts line, fingerprints from the cloud console, or not at all. */
  verifiedBy: 'known-hosts' | 'expected-fingerprint' | 'not-verified';
  knownHostsLine: string;
  /** Why trusting this key was risky, when it was accepted unverified. */
  warning?: string;
}

/** Runs scripts over SSH as `env IMAGEGATE_EXEC=<token> sh -s` with the script on stdin. */
export class SshTransport implements Transport {
  private constructor(
    private readonly client: Client,
    private readonly jumpClient: Client | undefined,
    private readonly endpoint: SshEndpoint,
    readonly hostKey: HostKeyRecord,
  ) {}

  static async connect(endpoint: SshEndpoint, opts: SshOptions = {}): Promise<SshTransport> {
    const auth = authConfig(opts);
    const knownHostsFile = opts.knownHosts ?? join(homedir(), '.ssh', 'known_hosts');
    let jumpClient: Client | undefined;
    let sock: Duplex | undefined;
    if (opts.jump) {
      const jumpGate = hostKeyGate(
        opts.jump,
        {
          ...opts,
          expectedFingerprints: undefined,
          insecureIgnoreHostKey: opts.insecureIgnoreJumpHostKey === true,
        },
        knownHostsFile,
      );
      jumpClient = (await openClient(opts.jump, auth, jumpGate, opts.readyTimeoutMs)).client;
      sock = await forward(jumpClient, endpoint, opts.jump);
    }
    try {
      const gate = hostKeyGate(endpoint, opts, knownHostsFile);
      const { client, hostKey } = await openClient(
        endpoint,
        { ...auth, ...(sock ? { sock } : {}) },
        gate,
        opts.readyTimeoutMs,
      );
      return new SshTransport(client, jumpClient, endpoint, hostKey);
    } catch (err) {
      jumpClient?.end();
      throw err;
    }
  }

  /** Tokens of execs still running: close() kills them, so an interrupt leaves nothing behind. */
  private readonly running = new Set<string>();

  async exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const token = randomBytes(16).toString('hex');
    this.running.add(token);
    const channel = await this.channel(`env ${EXEC_TOKEN_VAR}=${token} sh -s`);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let exitCode: number | undefined;
    let timedOut = false;
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            void this.killTagged(token).finally(() => channel.close());
          }, opts.timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        channel.on('data', (b: Buffer) => out.push(b));
        channel.stderr.on('data', (b: Buffer) => err.push(b));
        channel.on('exit', (code: number | null, signal?: string) => {
          exitCode = code ?? 128 + signalNumber(signal);
        });
        channel.on('close', resolve);
        channel.on('error', reject);
        channel.end(wrapScript(script, opts.stdin));
      });
    } finally {
      clearTimeout(timer);
      this.running.delete(token);
    }
    if (timedOut) throw new ExecTimeoutError(this.describe(), opts.timeoutMs ?? 0);
    return {
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
      // A channel closed without an exit status means the server dropped the session.
      exitCode: exitCode ?? 255,
    };
  }

  private channel(command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, ch) => (err ? reject(err) : resolve(ch)));
    });
  }

  private async killTagged(token: string): Promise<void> {
    try {
      const ch = await this.channel(`sh -c ${shQuote(KILL_TAGGED)} imagegate-kill ${token}`);
      ch.resume();
      ch.stderr.resume();
      await new Promise<void>((resolve) => {
        ch.on('close', resolve);
        ch.end();
      });
    } catch {
      // The connection may be gone; closing our channel still ends our side.
    }
  }

  /** A `direct-tcpip` channel of this connection: sshd opens the TCP connection on the target. */
  connect(host: string, port: number, timeoutMs: number): Promise<Duplex> {
    const open = new Promise<Duplex>((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, ch) =>
        err ? reject(new Error(`dial tcp ${host}:${port}: ${err.message}`)) : resolve(asSocket(ch)),
      );
    });
    return withDeadline(open, timeoutMs, `dial tcp ${host}:${port}`);
  }

  async close(): Promise<void> {
    await Promise.all([...this.running].map((t) => this.killTagged(t)));
    this.running.clear();
    this.client.end();
    this.jumpClient?.end();
  }

  describe(): string {
    return `ssh://${this.endpoint.user}@${this.endpoint.host}:${this.endpoint.port}`;
  }
}

type Auth = Pick<ConnectConfig, 'privateKey' | 'agent' | 'password'>;

function authConfig(opts: SshOptions): Auth {
  const auth: Auth = {};
  if (opts.privateKey) auth.privateKey = opts.privateKey;
  else if (opts.identity) {
    try {
      auth.privateKey = readFileSync(opts.identity);
    } catch (err) {
      throw new TargetError(
        `--identity ${opts.identity}: cannot read it (${(err as NodeJS.ErrnoException).code})`,
        'bad-input',
      );
    }
  }
  if (process.env.SSH_AUTH_SOCK) auth.agent = process.env.SSH_AUTH_SOCK;
  if (opts.passwordEnv) {
    const password = process.env[opts.passwordEnv];
    if (password === undefined) {
      throw new TargetError(
        `--password-env ${opts.passwordEnv}: that environment variable is not set`,
        'bad-input',
      );
    }
    auth.password = password;
  }
  if (!auth.privateKey && !auth.agent && !auth.password) {
    // Same fallback as ssh: the user's default identity.
    const file = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(homedir(), '.ssh', f)).find(existsSync);
    if (file) auth.privateKey = readFileSync(file);
  }
  return auth;
}

interface HostKeyGate {
  verify(key: Buffer): boolean;
  /** Set when verify() refused: the one-line reason to show. */
  refusal?: string;
  record?: HostKeyRecord;
  algorithms?: Algorithms;
}

/** Decide whether to trust the key a server presents, remembering why for the error and verdict. */
function hostKeyGate(endpoint: SshEndpoint, opts: SshOptions, knownHostsFile: string): HostKeyGate {
  const { host, port } = endpoint;
  const entries = existsSync(knownHostsFile) ? parseKnownHosts(readFileSync(knownHostsFile, 'utf8')) : [];
  const name = lookupName(host, port);
  const gate: HostKeyGate = {
    verify(key) {
      const type = keyTypeOf(key);
      const fp = fingerprint(key);
      const base = { type, fingerprint: fp, knownHostsLine: knownHostsLine(host, port, key) };
      if (opts.expectedFingerprints) {
        if (opts.expectedFingerprints.includes(fp)) {
          gate.record = { ...base, verifiedBy: 'expected-fingerprint' };
          return true;
        }
        gate.refusal = `${name}: host key ${type} ${fp} is not one the instance reported at boot (${opts.expectedFingerprints.join(', ')}): refusing to connect; someone may be intercepting the connection`;
        return false;
      }
      if (opts.insecureIgnoreHostKey) {
        // Trusted because the user said so: say it every time, and loudly when the key is known to differ.
        const known = checkHostKey(entries, host, port, key);
        const warning =
          known.status === 'changed'
            ? `WARNING: HOST KEY CHANGED for ${name}: server presented ${type} ${fp}, which differs from ${knownHostsFile}:${known.lines.join(',')}; connecting anyway because of --insecure-ignore-host-key`
            : known.status === 'revoked'
              ? `WARNING: host key ${type} ${fp} of ${name} is marked @revoked in ${knownHostsFile}:${known.line}; connecting anyway because of --insecure-ignore-host-key`
              : `host key ${type} ${fp} of ${name} was not verified (--insecure-ignore-host-key)`;
        gate.record = { ...base, verifiedBy: 'not-verified', warning };
        opts.onWarning?.(warning);
        return true;
      }
      const check = checkHostKey(entries, host, port, key);
      switch (check.status) {
        case 'match':
          gate.record = { ...base, verifiedBy: 'known-hosts' };
          return true;
        case 'revoked':
          gate.refusal = `${name}: host key ${type} ${fp} is marked @revoked in ${knownHostsFile}:${check.line}: refusing to connect`;
          return false;
        case 'changed':
          gate.refusal = `${name}: HOST KEY CHANGED: server presented ${type} ${fp}, which differs from ${knownHostsFile}:${check.lines.join(',')}; if the host was rebuilt, remove the old key with \`ssh-keygen -R '${name}' -f ${knownHostsFile}\`, otherwise someone may be intercepting the connection`;
          return false;
        case 'unknown':
          gate.refusal = `${name}: host key ${type} ${fp} is not in ${knownHostsFile}: verify it and add it (e.g. \`ssh-keyscan -p ${port} ${host} >> ${knownHostsFile}\`), pass --known-hosts FILE, or --insecure-ignore-host-key for a throwaway host`;
          return false;
      }
    },
  };
  const types =
    opts.expectedFingerprints || opts.insecureIgnoreHostKey ? [] : knownKeyTypes(entries, host, port);
  // Ask for a key type already on record first, as ssh does, so a server offering several types
  // is checked against the one known rather than reported as unknown.
  const preferred = types.flatMap(algorithmsFor).filter((a) => HOST_KEY_ALGORITHMS.includes(a));
  if (preferred.length > 0) {
    gate.algorithms = { serverHostKey: [...new Set([...preferred, ...HOST_KEY_ALGORITHMS])] };
  }
  return gate;
}

/** ssh2's host key algorithms, best first. */
const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

function algorithmsFor(keyType: string): ServerHostKeyAlgorithm[] {
  if (keyType === 'ssh-rsa') return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  return HOST_KEY_ALGORITHMS.filter((a) => a === keyType);
}

function openClient(
  endpoint: SshEndpoint,
  auth: ConnectConfig,
  gate: HostKeyGate,
  readyTimeoutMs = 20_000,
): Promise<{ client: Client; hostKey: HostKeyRecord }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const where = `ssh://${endpoint.user}@${endpoint.host}:${endpoint.port}`;
    client.on('ready', () => {
      if (!gate.record)
        return reject(new TargetError(`${where}: connected without a host key check`, 'host-key'));
      resolve({ client, hostKey: gate.record });
    });
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      client.end();
      if (gate.refusal) return reject(new TargetError(gate.refusal, 'host-key'));
      const why =
        err.level === 'client-authentication'
          ? `authentication failed for ${endpoint.user} (tried: ${authMethods(auth)}); pass --identity FILE, load the key into ssh-agent, or --password-env VAR`
          : `cannot connect (${err.code ?? err.message})`;
      reject(new TargetError(`${where}: ${why}`, 'connect'));
    });
    client.connect({
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.user,
      readyTimeout: readyTimeoutMs,
      hostVerifier: (key: Buffer) => gate.verify(key),
      ...(gate.algorithms ? { algorithms: gate.algorithms } : {}),
      ...auth,
    });
  });
}

function authMethods(auth: ConnectConfig): string {
  const methods = [
    auth.privateKey && 'key',
    auth.agent && 'agent',
    auth.password !== undefined && 'password',
  ];
  return methods.filter(Boolean).join(', ') || 'none';
}

function forward(jump: Client, to: SshEndpoint, via: SshEndpoint): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    jump.forwardOut('127.0.0.1', 0, to.host, to.port, (err, ch) => {
      if (!err) return resolve(ch);
      jump.end();
      reject(
        new TargetError(
          `jump host ${via.host}:${via.port} cannot reach ${to.host}:${to.port} (${err.message})`,
          'connect',
        ),
      );
    });
  });
}
