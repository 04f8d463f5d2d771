// Token buckets keyed by client (an API key's identity or a remote address). Written by
// hand rather than taken from @fastify/rate-limit because the bucket to charge depends on
// the outcome of authentication (a valid key is charged to its key, anything else to its
// address) and /ping and /v1/healthy must stay outside every bucket; both are a few lines
// here and awkward as plugin options.
import type { BucketSpec } from "./limits.ts";

interface Bucket {
  tokens: number;
  at: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterSec: number };

export class RateLimiter {
  private readonly spec: BucketSpec;
  private readonly maxClients: number;
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(spec: BucketSpec, maxClients: number, now: () => number = Date.now) {
    this.spec = spec;
    this.maxClients = maxClients;
    this.now = now;
  }

  /** Take one token for `client`; when none is left, say how long until one is. */
  take(client: string): TakeResult {
    const now = this.now();
    const b = this.refill(client, now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    const waitMs = ((1 - b.tokens) / this.spec.ratePerSec) * 1000;
    return { ok: false, retryAfterSec: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  /** Clients currently tracked (for tests of the memory bound). */
  get size(): number {
    return this.buckets.size;
  }

  private refill(client: string, now: number): Bucket {
    let b = this.buckets.get(client);
    if (!b) {
      if (this.buckets.size >= this.maxClients) this.evict(now);
      b = { tokens: this.spec.burst, at: now };
      this.buckets.set(client, b);
      return b;
    }
    // Re-insert so the map's order is least recently used first, for eviction.
    this.buckets.delete(client);
    this.buckets.set(client, b);
    const elapsed = Math.max(0, now - b.at) / 1000;
    b.tokens = Math.min(this.spec.burst, b.tokens + elapsed * this.spec.ratePerSec);
    b.at = now;
    return b;
  }

  /** Forget clients whose bucket has refilled (they lose nothing); else the oldest one. */
  private evict(now: number): void {
    for (const [k, b] of this.buckets) {
      const full = b.tokens + ((now - b.at) / 1000) * this.spec.ratePerSec >= this.spec.burst;
      if (full) this.buckets.delete(k);
    }
    if (this.buckets.size >= this.maxClients) {
      // Least recently used: an idle client, which at worst gets a fresh bucket later.
      const oldest = this.buckets.keys().next();
      if (!oldest.done) this.buckets.delete(oldest.value);
    }
  }
}
