import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { isIP, connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { shQuote } from '../suite/quote.js';
import { type ExecOptions, type ExecResult, ExecTimeoutError, type Transport } from '../suite/transport.js';
import type { ContainerHandle, ExecHandle } from './docker-client.js';
import { FrameDemuxer } from './docker-frames.js';
import { EXEC_TOKEN_VAR, KILL_TAGGED } from './kill-script.js';
import { withDeadline } from './stream-socket.js';
import { wrapScript } from './wrap.js';

/**
 * The relay nsenter starts once per transport in the container's network namespace (its mount
 * namespace stays this machine's): it listens on a Unix socket here and, for each client that
 * writes `HOST PORT\n`, dials that address from inside the container, answers `+` (or the error
 * and a newline) and then joins the two streams.
 */
const RELAY = `const net = require('net');
const srv = net.createServer((c) => {
  let head = Buffer.alloc(0);
  const onData = (b) => {
    head = Buffer.concat([head, b]);
    const nl = head.indexOf(10);
    if (nl < 0) return;
    c.off('data', onData);
    const [host, port] = head.subarray(0, nl).toString().split(' ');
    const rest = head.subarray(nl + 1);
    const s = net.connect({ host, port: +port });
    s.on('connect', () => { c.write('+'); if (rest.length) s.write(rest); c.pipe(s); s.pipe(c); });
    s.on('error', (e) => { c.end(e.message + '\\n'); });
    c.on('error', () => s.destroy());
    c.on('close', () => s.destroy());
  };
  c.on('data', onData);
});
srv.listen(process.argv[1], () => process.stdout.write('ready\\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();`;

let netnsOk: boolean | undefined;
/** Root, an engine on this machine's socket, and nsenter: what entering a container's netns takes. */
function canEnterNetns(): boolean {
  if (netnsOk === undefined) {
    const host = process.env.DOCKER_HOST ?? '';
    netnsOk =
      process.getuid?.() === 0 &&
      (host === '' || host.startsWith('unix://')) &&
      spawnSync('nsenter', ['--version'], { stdio: 'ignore' }).status === 0;
  }
  return netnsOk;
}

/**
 * Runs scripts in a running container with `docker exec … sh -s`: the script travels on stdin,
 * never inside a command string. Exit code comes from exec inspect.
 */
export class DockerTransport implements Transport {
  /** Tokens of execs still running: close() kills them, so an interrupt leaves nothing behind. */
  private readonly running = new Set<string>();

  constructor(
    private readonly container: ContainerHandle,
    private readonly name: string,
    private readonly pid?: number,
    /** The container's configured `NAME=value` environment, which `docker exec` starts with. */
    private readonly configEnv?: readonly string[],
  ) {}

  env(): Readonly<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const kv of this.configEnv ?? []) {
      const eq = kv.indexOf('=');
      if (eq > 0) out[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    return out;
  }

  /**
   * Present when this machine can enter the container's network namespace (engine on this
   * machine, root, nsenter): then HTTP and DNS checks need no tools in the container. A getter,
   * so the probe runs only for a suite that has such checks.
   */
  get connect(): ((host: string, port: number, timeoutMs: number) => Promise<Duplex>) | undefined {
    const pid = this.pid;
    if (pid === undefined || pid <= 0 || !canEnterNetns()) return undefined;
    return (host, port, timeoutMs) => this.relay(pid, host, port, timeoutMs);
  }

  private readonly resolved = new Map<string, Promise<string>>();
  private relayProc?: Promise<{ path: string; child: ChildProcess }>;

  /** Start the container-side relay once; it ends with this transport (its stdin closes). */
  private startRelay(pid: number): Promise<{ path: string; child: ChildProcess }> {
    this.relayProc ??= new Promise((resolve, reject) => {
      const path = join(tmpdir(), `imagegate-relay-${process.pid}-${randomBytes(6).toString('hex')}.sock`);
      const child = spawn('nsenter', ['-t', String(pid), '-n', '--', process.execPath, '-e', RELAY, path], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (b: Buffer) => {
        err += b.toString('utf8');
      });
      child.stdout.once('data', () => resolve({ path, child }));
      child.on('error', (e) => reject(new Error(`relay into docker://${this.name}: ${e.message}`)));
      child.on('exit', () => {
        this.relayProc = undefined;
        reject(new Error(`relay into docker://${this.name} exited: ${err.trim()}`));
      });
    });
    return this.relayProc;
  }

  /**
   * A TCP connection from inside the container's network namespace, through the relay: loopback
   * and routes are the container's; names resolve inside the container.
   */
  private async relay(pid: number, host: string, port: number, timeoutMs: number): Promise<Duplex> {
    const what = `dial tcp ${host}:${port}`;
    const open = async (): Promise<Duplex> => {
      const [addr, { path }] = await Promise.all([this.resolve(host), this.startRelay(pid)]);
      return new Promise<Duplex>((resolve, reject) => {
        const sock = netConnect(path);
        sock.once('error', (e: Error) => reject(new Error(`${what}: ${e.message}`)));
        sock.once('connect', () => sock.write(`${addr} ${port}\n`));
        sock.once('data', (b: Buffer) => {
          if (b[0] === 0x2b) {
            if (b.length > 1) sock.unshift(b.subarray(1));
            resolve(sock);
          } else {
            sock.destroy();
            reject(new Error(`${what}: ${b.toString('utf8').trim()}`));
          }
        });
      });
    };
    return withDeadline(open(), timeoutMs, what);
  }

  /** Names resolve inside the container (its resolver, its /etc/hosts), once per name. */
  private resolve(host: string): Promise<string> {
    const literal = host.replace(/^\[|\]$/g, '');
    if (isIP(literal)) return Promise.resolve(literal);
    let hit = this.resolved.get(host);
    if (!hit) {
      // IPv4 first, as a client trying addresses in turn most often ends up there.
      const q = shQuote(host);
      hit = this.exec(
        `{ getent ahostsv4 -- ${q}; getent ahosts -- ${q}; } 2>/dev/null | awk 'NR == 1 { print $1 }'`,
        { timeoutMs: 10_000 },
      ).then((r) => {
        const addr = r.stdout.trim();
        if (addr === '') throw new Error(`lookup ${host}: no such host`);
        return addr;
      });
      hit.catch(() => this.resolved.delete(host));
      this.resolved.set(host, hit);
    }
    return hit;
  }

  async exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const token = randomBytes(16).toString('hex');
    this.running.add(token);
    const exec = await this.container.exec({
      Cmd: ['sh', '-s'],
      Env: [`${EXEC_TOKEN_VAR}=${token}`],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    const stream = await exec.start({ hijack: true, stdin: true });
    const demux = new FrameDemuxer();
    let timedOut = false;
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => demux.push(chunk));
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', (err) => (timedOut ? resolve() : reject(err)));
    });
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            void this.killTagged(token).finally(() => stream.destroy());
          }, opts.timeoutMs);
    // Half-close after the script: docker closes the exec's stdin, so `sh -s` sees EOF.
    stream.end(wrapScript(script, opts.stdin));
    try {
      await done;
    } finally {
      clearTimeout(timer);
      this.running.delete(token);
    }
    if (timedOut) throw new ExecTimeoutError(this.describe(), opts.timeoutMs ?? 0);
    return {
      stdout: Buffer.concat(demux.stdout).toString('utf8'),
      stderr: Buffer.concat(demux.stderr).toString('utf8'),
      exitCode: await exitCodeOf(exec),
    };
  }

  /** Kill every process of one exec, children included (see kill-script.ts). */
  private async killTagged(token: string): Promise<void> {
    try {
      const killer = await this.container.exec({
        Cmd: ['sh', '-c', KILL_TAGGED, 'imagegate-kill', token],
        AttachStdout: true,
        AttachStderr: true,
      });
      const s = await killer.start({ hijack: true, stdin: false });
      s.resume();
      await new Promise<void>((resolve) => {
        s.on('end', resolve);
        s.on('close', resolve);
        s.on('error', () => resolve());
      });
    } catch {
      // The container may be gone; destroying the stream still ends our side.
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.running].map((t) => this.killTagged(t)));
    this.running.clear();
    const relay = await this.relayProc?.catch(() => undefined);
    if (relay) {
      relay.child.kill();
      rmSync(relay.path, { force: true });
    }
  }

  describe(): string {
    return `docker://${this.name}`;
  }
}

/** The stream can end a moment before the engine records the exit code. */
async function exitCodeOf(exec: ExecHandle): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    await new Promise((r) => setTimeout(r, 20 + i * 10));
  }
  throw new Error('docker exec finished but the engine reported no exit code');
}
