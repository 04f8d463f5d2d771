// When to restart the engine, as a pure decision: after N failed checks in a row, not
// sooner than a backoff after the previous restart (doubling while restarts do not help),
// and never more than M times in any hour. Callers pass `now` (epoch ms).

export interface RestartPolicySettings {
  /** Consecutive failed engine checks before a restart (default 3). */
  failuresBeforeRestart: number;
  /** Restarts allowed in any sliding hour (default 3). */
  maxPerHour: number;
  /** Wait after a restart before the next one may happen; doubles per restart that did not help. */
  backoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicySettings = {
  failuresBeforeRestart: 3,
  maxPerHour: 3,
  backoffMs: 60_000,
  maxBackoffMs: 15 * 60_000,
};

const HOUR_MS = 3_600_000;

export type RestartDecision = { restart: true } | { restart: false; why: string };

export class RestartPolicy {
  readonly settings: RestartPolicySettings;
  private restarts: number[] = [];
  /** Restarts since the engine last passed a check. */
  private unhelpful = 0;

  constructor(settings: Partial<RestartPolicySettings> = {}) {
    this.settings = { ...DEFAULT_RESTART_POLICY, ...settings };
    const s = this.settings;
    if (!(Number.isInteger(s.failuresBeforeRestart) && s.failuresBeforeRestart >= 1))
      throw new RangeError("failuresBeforeRestart must be an integer ≥ 1");
    if (!(Number.isInteger(s.maxPerHour) && s.maxPerHour >= 0))
      throw new RangeError("maxPerHour must be an integer ≥ 0");
    if (!(s.backoffMs >= 0 && s.maxBackoffMs >= s.backoffMs))
      throw new RangeError("backoff must satisfy 0 ≤ backoffMs ≤ maxBackoffMs");
  }

  decide(consecutiveFailures: number, now: number): RestartDecision {
    const s = this.settings;
    if (consecutiveFailures < s.failuresBeforeRestart)
      return {
        restart: false,
        why: `${consecutiveFailures} of ${s.failuresBeforeRestart} failed checks`,
      };
    const recent = this.restarts.filter((t) => now - t < HOUR_MS);
    if (recent.length >= s.maxPerHour)
      return {
        restart: false,
        why: `already restarted ${recent.length} times in the last hour (limit ${s.maxPerHour})`,
      };
    const last = this.restarts.at(-1);
    if (last !== undefined) {
      const wait = this.backoffAfter(this.unhelpful);
      if (now - last < wait)
        return {
          restart: false,
          why: `backing off: next restart possible in ${Math.ceil((last + wait - now) / 1000)} s`,
        };
    }
    return { restart: true };
  }

  recordRestart(now: number): void {
    this.restarts = [...this.restarts.filter((t) => now - t < HOUR_MS), now];
    this.unhelpful++;
  }

  /** The engine passed a check: the next failure streak starts with the base backoff. */
  recordHealthy(): void {
    this.unhelpful = 0;
  }

  private backoffAfter(restarts: number): number {
    const s = this.settings;
    return Math.min(s.backoffMs * 2 ** Math.max(0, restarts - 1), s.maxBackoffMs);
  }
}
