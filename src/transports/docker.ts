import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { shQuote } from '../suite/quote.js';
import { type ExecOptions, type ExecResult, ExecTimeoutError, type Transport } from '../suite/transport.js';
import { FrameDemuxer } from './docker-frames.js';
import { EXEC_TOKEN_VAR, KILL_TAGGED } from './kill-script.js';
import { asSocket, withDeadline } from './stream-socket.js';
import { wrapScript } from './wrap.js';

/** The relay nsenter runs: `+` on stderr once connected, then bytes both ways. */
const RELAY =
  "const s=require('net').connect({host:process.argv[1],port:+process.argv[2]});" +
  "s.on('connect',()=>{process.stderr.write('+');process.stdin.pipe(s);s.pipe(process.stdout)});" +
  "s.on('error',e=>{process.stderr.write(e.message);process.exit(1)});";

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

  /**
   * Present when this machine can enter the container's network namespace (engine on this
   * machine, root, nsenter): then HTTP and DNS checks need no tools in the container.
   */
  readonly connect?: (host: string, port: number, timeoutMs: number) => Promise<Duplex>;

  constructor(
    private readonly container: Docker.Container,
    private readonly name: string,
    pid?: number,
  ) {
    if (pid !== undefined && pid > 0 && canEnterNetns()) {
      this.connect = (host, port, timeoutMs) => this.relay(pid, host, port, timeoutMs);
    }
  }

  private readonly resolved = new Map<string, string>();

  /**
   * A relay in the container's network namespace: nsenter runs this Node with a few lines that
   * join stdin/stdout to one TCP connection, so loopback and routes are the container's. Names
   * are resolved inside the container (getent), as its own resolver and /etc/hosts answer.
   */
  private async relay(pid: number, host: string, port: number, timeoutMs: number): Promise<Duplex> {
    const addr = await this.resolve(host);
    const child = spawn(
      'nsenter',
      ['-t', String(pid), '-n', '--', process.execPath, '-e', RELAY, addr, String(port)],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const what = `dial tcp ${host}:${port}`;
    const ready = new Promise<Duplex>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (b: Buffer) => {
        if (err === '' && b[0] === 0x2b) {
          const stream = Duplex.from({ readable: child.stdout, writable: child.stdin });
          stream.on('close', () => child.kill());
          resolve(asSocket(stream));
          return;
        }
        err += b.toString('utf8');
      });
      child.on('error', (e) => reject(new Error(`${what}: ${e.message}`)));
      child.on('exit', () => reject(new Error(`${what}: ${err.trim() || 'relay exited'}`)));
    });
    return withDeadline(ready, timeoutMs, what).catch((e: Error) => {
      child.kill();
      throw e;
    });
  }

  private async resolve(host: string): Promise<string> {
    if (isIP(host.replace(/^\[|\]$/g, ''))) return host.replace(/^\[|\]$/g, '');
    const hit = this.resolved.get(host);
    if (hit) return hit;
    const r = await this.exec(`getent ahosts -- ${shQuote(host)} 2>/dev/null | awk 'NR == 1 { print $1 }'`, {
      timeoutMs: 10_000,
    });
    const addr = r.stdout.trim();
    if (addr === '') throw new Error(`dial tcp: lookup ${host}: no such host`);
    this.resolved.set(host, addr);
    return addr;
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
    const stream = (await exec.start({ hijack: true, stdin: true })) as Duplex;
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
      const s = (await killer.start({ hijack: true, stdin: false })) as Duplex;
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
  }

  describe(): string {
    return `docker://${this.name}`;
  }
}

/** The stream can end a moment before the engine records the exit code. */
async function exitCodeOf(exec: Docker.Exec): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    await new Promise((r) => setTimeout(r, 20 + i * 10));
  }
  throw new Error('docker exec finished but the engine reported no exit code');
}
