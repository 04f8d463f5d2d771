// The local API's protective limits, with documented defaults. Every figure is a knob so a
// device builder can tighten it; tests pass small numbers to see each limit trip.

export interface BucketSpec {
  /** Tokens added per second. */
  ratePerSec: number;
  /** Bucket size: how many requests may arrive at once after a quiet spell. */
  burst: number;
}

export interface ApiLimits {
  /** Requests carrying a valid key, counted per key. */
  perKey: BucketSpec;
  /** Requests without a valid key (401s, key guessing), counted per remote address. */
  perAddress: BucketSpec;
  /** Largest request body accepted; larger bodies get 413 before they are read. */
  bodyBytes: number;
  /** Expensive calls (target-state POST, purge, cleanup-volumes) running at once; more get 503. */
  expensiveConcurrency: number;
  /** Log streams open at once; more get 503. */
  logStreams: number;
  /** Longest wait for the agent to accept a request before 504. */
  requestTimeoutMs: number;
  /** Time a client has to send a whole request (headers and body). */
  receiveTimeoutMs: number;
  /** Idle keep-alive connections are closed after this. */
  keepAliveMs: number;
  /** /v1/healthy fails when the loop or the engine check is older than this. */
  healthyWithinMs: number;
  /** Distinct keys/addresses remembered by the rate limiter (memory bound). */
  trackedClients: number;
}

export const DEFAULT_LIMITS: ApiLimits = {
  perKey: { ratePerSec: 20, burst: 40 },
  perAddress: { ratePerSec: 10, burst: 20 },
  bodyBytes: 1024 * 1024,
  expensiveConcurrency: 2,
  logStreams: 4,
  requestTimeoutMs: 30_000,
  receiveTimeoutMs: 10_000,
  keepAliveMs: 5_000,
  healthyWithinMs: 5 * 60_000,
  trackedClients: 4096,
};

export type ApiLimitsInput = Partial<Omit<ApiLimits, "perKey" | "perAddress">> & {
  perKey?: Partial<BucketSpec>;
  perAddress?: Partial<BucketSpec>;
};

export function resolveLimits(input: ApiLimitsInput = {}): ApiLimits {
  return {
    ...DEFAULT_LIMITS,
    ...input,
    perKey: { ...DEFAULT_LIMITS.perKey, ...input.perKey },
    perAddress: { ...DEFAULT_LIMITS.perAddress, ...input.perAddress },
  };
}
