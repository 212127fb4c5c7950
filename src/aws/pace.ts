/**
 * Client-side pacing under EC2's token buckets (per account and region): CopyImage refills at
 * ~1/s, mutating calls (deregister, delete, modify) at ~5/s, Describe at ~20/s. The SDK's
 * adaptive retry handles `RequestLimitExceeded` after the fact; pacing keeps us from hitting it.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Resolve when a token is available; callers are served in order. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.wait());
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async wait(): Promise<void> {
    for (;;) {
      const t = this.now();
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
      this.last = t;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.sleep(Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000));
    }
  }
}

export type CallClass = 'copy' | 'mutate' | 'describe';

const defaults: Record<CallClass, { rate: number; burst: number }> = {
  copy: { rate: 1, burst: 5 },
  mutate: { rate: 5, burst: 20 },
  describe: { rate: 20, burst: 100 },
};

/** One set of buckets per account-region, created on first use. */
export class Pacer {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly rates: Partial<Record<CallClass, { rate: number; burst: number }>> = {}) {}

  take(scopeKey: string, cls: CallClass): Promise<void> {
    const key = `${scopeKey}|${cls}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const r = this.rates[cls] ?? defaults[cls];
      bucket = new TokenBucket(r.rate, r.burst);
      this.buckets.set(key, bucket);
    }
    return bucket.take();
  }
}
