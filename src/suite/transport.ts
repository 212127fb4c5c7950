import type { Duplex } from 'node:stream';

/**
 * Where a collector script runs. The suite engine owns this interface; `src/target/`
 * implements it (local shell, docker exec, SSH). A suite costs one `exec` per collection,
 * never one per check.
 */
export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface ExecOptions {
  /** Bytes fed to the script's standard input. */
  stdin?: string | Buffer;
  /** Kill the remote script and reject after this long. */
  timeoutMs?: number;
}

export interface Transport {
  /** Run `script` with POSIX `sh` on the target. The script is passed as data, never interpolated. */
  exec(script: string, opts?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
  /** Human description for reports: `docker://web-1`, `ssh://admin@10.0.0.5:22`, `local`. */
  describe(): string;
  /**
   * Open a TCP stream to `host:port` as the target sees the network (its name resolution, its
   * loopback, its routes), so imagegate speaks HTTP and DNS itself and the target needs no curl
   * or dig. Optional: without it those checks fall back to tools in the target. Rejects with a
   * one-line reason (refused, unreachable, unknown host).
   */
  connect?(host: string, port: number, timeoutMs: number): Promise<Duplex>;
  /**
   * The environment a script run on the target starts with, when the transport knows it without
   * running anything (a container's configured environment). Optional: otherwise it is read
   * with `exec` when a check needs it (HTTP_PROXY for http, as goss reads its own).
   */
  env?(): Readonly<Record<string, string>>;
}

/**
 * Thrown by every transport when `timeoutMs` passes: the script (and everything it started)
 * has been killed. It lives beside the interface so callers can test `instanceof`.
 */
export class ExecTimeoutError extends Error {
  constructor(
    readonly target: string,
    readonly timeoutMs: number,
  ) {
    super(`${target}: script did not finish within ${timeoutMs} ms and was killed`);
    this.name = 'ExecTimeoutError';
  }
}
