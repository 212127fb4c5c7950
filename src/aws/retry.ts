/**
 * Retry for throttling and eventual consistency on top of the SDK's own retries: EC2 answers
 * `RequestLimitExceeded` when a bucket is empty, and `InvalidAMIID.NotFound` /
 * `DependencyViolation` for a while after a resource changed. Full-jitter exponential backoff.
 */
export interface RetryOptions {
  /** Error codes (`err.name` in SDK v3) worth another try. */
  retryOn: string[];
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const THROTTLING = [
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
];

export function errorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; Code?: unknown; code?: unknown };
    return String(e.name ?? e.Code ?? e.code ?? 'Error');
  }
  return 'Error';
}

export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const attempts = opts.attempts ?? 6;
  const base = opts.baseMs ?? 500;
  const max = opts.maxMs ?? 20_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = opts.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !opts.retryOn.includes(errorCode(err))) throw err;
      await sleep(Math.floor(random() * Math.min(max, base * 2 ** (attempt - 1))));
    }
  }
}
