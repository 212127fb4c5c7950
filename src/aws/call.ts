import type { CallClass, Pacer } from './pace.js';
import { type RetryOptions, THROTTLING, withRetry } from './retry.js';

/**
 * Every AWS call of a long-running job goes through here: take a token from the account-region's
 * bucket, send, retry throttling (and the caller's eventual-consistency codes) with backoff, and
 * count the call by operation so benchmarks can compare against the minimum.
 */
export class PacedCaller {
  readonly counts = new Map<string, number>();

  constructor(
    private readonly pacer: Pacer,
    private readonly retry: Omit<RetryOptions, 'retryOn'> = {},
  ) {}

  async call<T>(
    paceKey: string,
    cls: CallClass,
    operation: string,
    fn: () => Promise<T>,
    retryOn: string[] = [],
  ): Promise<T> {
    return withRetry(
      async () => {
        await this.pacer.take(paceKey, cls);
        this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
        return fn();
      },
      { ...this.retry, retryOn: [...THROTTLING, ...retryOn] },
    );
  }

  total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }
}

/**
 * Follow NextToken until the service stops returning one. EC2 may hand back a token with an empty
 * page; we stop only when the token is absent, never on an empty page.
 */
export async function paginate<P extends { NextToken?: string | undefined }>(
  page: (token: string | undefined) => Promise<P>,
  each: (p: P) => void,
): Promise<void> {
  let token: string | undefined;
  do {
    const p = await page(token);
    each(p);
    token = p.NextToken || undefined;
  } while (token);
}
