import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { type ExecOptions, type ExecResult, ExecTimeoutError, type Transport } from '../suite/transport.js';
import { FrameDemuxer } from './docker-frames.js';
import { EXEC_TOKEN_VAR, KILL_TAGGED } from './kill-script.js';
import { wrapScript } from './wrap.js';

/**
 * Runs scripts in a running container with `docker exec … sh -s`: the script travels on stdin,
 * never inside a command string. Exit code comes from exec inspect.
 */
export class DockerTransport implements Transport {
  /** Tokens of execs still running: close() kills them, so an interrupt leaves nothing behind. */
  private readonly running = new Set<string>();

  constructor(
    private readonly container: Docker.Container,
    private readonly name: string,
  ) {}

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
