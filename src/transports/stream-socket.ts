import type { Duplex } from 'node:stream';

/**
 * Node's HTTP client and `tls.connect` call socket methods a plain stream lacks (an SSH channel,
 * a relay's pipes). They are no-ops here: the stream has no Nagle or keep-alive of its own, and
 * timeouts are enforced by the caller.
 */
export function asSocket(stream: Duplex): Duplex {
  const s = stream as Duplex & Record<string, unknown>;
  for (const m of ['setKeepAlive', 'setNoDelay', 'setTimeout', 'ref', 'unref'] as const) {
    if (typeof s[m] !== 'function') s[m] = () => s;
  }
  return s;
}

/** Reject after `ms` with a one-line reason, so a silent network never hangs a check. */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: i/o timeout`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
