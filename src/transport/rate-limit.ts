/**
 * Connection attempts per remote address: a token bucket per address, refilled continuously.
 * The map is bounded: when it is full, buckets that are full again (idle addresses) are swept first,
 * and if none are, the oldest entry goes, so an address flood cannot grow memory without bound.
 */
export interface RateLimitOptions {
  /** Attempts allowed in a burst. */
  burst: number;
  /** Sustained attempts per second. */
  perSecond: number;
  /** Addresses tracked at most. */
  maxAddresses?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class AddressRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly max: number;
  private readonly now: () => number;

  constructor(private readonly opts: RateLimitOptions) {
    this.max = opts.maxAddresses ?? 100_000;
    this.now = opts.now ?? Date.now;
  }

  /** Take one token for `address`; false when the address is over its rate. */
  take(address: string): boolean {
    const t = this.now();
    let b = this.buckets.get(address);
    if (!b) {
      if (this.buckets.size >= this.max) this.evict(t);
      b = { tokens: this.opts.burst, at: t };
      this.buckets.set(address, b);
    } else {
      b.tokens = Math.min(this.opts.burst, b.tokens + ((t - b.at) / 1000) * this.opts.perSecond);
      b.at = t;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  private evict(t: number): void {
    for (const [addr, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 1000) * this.opts.perSecond >= this.opts.burst) this.buckets.delete(addr);
    }
    if (this.buckets.size >= this.max) {
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
