import { spawn } from 'node:child_process';
import { connect as netConnect } from 'node:net';
import { constants } from 'node:os';
import type { Duplex } from 'node:stream';
import { type ExecOptions, type ExecResult, ExecTimeoutError, type Transport } from '../suite/transport.js';
import { withDeadline } from './stream-socket.js';
import { wrapScript } from './wrap.js';

/**
 * Runs scripts on this machine with `sh -s`. The shell gets its own process group so a timeout
 * kills everything the script started, not just the shell.
 */
export class LocalTransport implements Transport {
  /** This machine is the target: a plain TCP connection. */
  connect(host: string, port: number, timeoutMs: number): Promise<Duplex> {
    return withDeadline(
      new Promise((resolve, reject) => {
        const sock = netConnect({ host, port });
        sock.once('connect', () => resolve(sock));
        sock.once('error', (e) => reject(new Error(`dial tcp ${host}:${port}: ${e.message}`)));
      }),
      timeoutMs,
      `dial tcp ${host}:${port}`,
    );
  }

  exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('sh', ['-s'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              killGroup(child.pid);
            }, opts.timeoutMs);
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      // The script may exit without reading all of its input; that is not an error.
      child.stdin.on('error', () => {});
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (timedOut) return reject(new ExecTimeoutError(this.describe(), opts.timeoutMs ?? 0));
        resolve({
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          exitCode: code ?? 128 + signalNumber(signal),
        });
      });
      child.stdin.end(wrapScript(script, opts.stdin));
    });
  }

  async close(): Promise<void> {}

  describe(): string {
    return 'local';
  }
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Shell convention: a process killed by signal N reports 128+N. Accepts `SIGKILL` or `KILL`. */
export function signalNumber(signal: string | null | undefined): number {
  if (!signal) return 0;
  const name = (signal.startsWith('SIG') ? signal : `SIG${signal}`) as keyof typeof constants.signals;
  return constants.signals[name] ?? 0;
}
