// What "healthy" means for the agent, as plain data and a pure decision: the reconcile loop
// ticked recently, and the engine's last light check passed recently. A fleet server is
// never part of it, so a cloud outage cannot make agents restart fleet-wide. No I/O, no
// clock of its own: callers pass `now` (epoch ms), tests pass a fake one.

export interface HealthPolicy {
  /** The loop must have ticked within this many ms (e.g. 2 × the resync period). */
  loopMaxAgeMs: number;
  /** The last engine check must be this recent (e.g. 3 × the check interval). */
  engineMaxAgeMs: number;
}

/** The raw facts, in the shape the local API's snapshot carries (DeviceSnapshot.health). */
export interface HealthFacts {
  /** Epoch ms of the loop's last tick; 0 when it never ticked. */
  loopAliveAt: number;
  /** Epoch ms of the last engine check that passed; 0 when none did. */
  engineOkAt: number;
  /** Whether the most recent engine check passed. */
  engineOk: boolean;
}

export interface HealthReport {
  healthy: boolean;
  /** Empty when healthy; otherwise why not, in words ("loop silent for 75 s"). */
  reasons: string[];
}

/** The one definition of healthy, shared by the watchdog and GET /v1/healthy. */
export function judgeHealth(facts: HealthFacts, policy: HealthPolicy, now: number): HealthReport {
  const reasons: string[] = [];
  const loopAge = now - facts.loopAliveAt;
  if (facts.loopAliveAt === 0) reasons.push("the loop has not ticked yet");
  else if (loopAge > policy.loopMaxAgeMs)
    reasons.push(`loop silent for ${seconds(loopAge)} (limit ${seconds(policy.loopMaxAgeMs)})`);
  if (facts.engineOkAt === 0) reasons.push("the engine has not answered a check yet");
  else if (!facts.engineOk) reasons.push("the engine failed its last check");
  else if (now - facts.engineOkAt > policy.engineMaxAgeMs)
    reasons.push(`no engine check passed for ${seconds(now - facts.engineOkAt)}`);
  return { healthy: reasons.length === 0, reasons };
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/**
 * Fed by the daemon (loop ticks, initialisation) and the engine checker (results); read by
 * the watchdog, the restarter and the API.
 */
export class HealthMonitor {
  readonly policy: HealthPolicy;
  private loopAliveAt = 0;
  private engineOkAt = 0;
  private engineOk = false;
  private engineFailures = 0;
  private lastEngineError: string | undefined;
  private initialisedAt = 0;

  constructor(policy: HealthPolicy) {
    if (!(policy.loopMaxAgeMs > 0) || !(policy.engineMaxAgeMs > 0))
      throw new RangeError("health policy ages must be positive");
    this.policy = policy;
  }

  /** The reconcile loop is alive: call at every pass, step and idle wake-up. */
  loopTick(now: number): void {
    this.loopAliveAt = Math.max(this.loopAliveAt, now);
  }

  /** The outcome of one light engine check. */
  engineResult(ok: boolean, now: number, error?: string): void {
    this.engineOk = ok;
    if (ok) {
      this.engineOkAt = now;
      this.engineFailures = 0;
      this.lastEngineError = undefined;
    } else {
      this.engineFailures++;
      this.lastEngineError = error;
    }
  }

  /** The daemon loaded its state and is ready to reconcile. */
  markInitialised(now: number): void {
    if (this.initialisedAt === 0) this.initialisedAt = now;
  }

  /** Initialised and the engine answered at least once: the moment for READY=1. */
  ready(): boolean {
    return this.initialisedAt !== 0 && this.engineOkAt !== 0;
  }

  facts(): HealthFacts {
    return { loopAliveAt: this.loopAliveAt, engineOkAt: this.engineOkAt, engineOk: this.engineOk };
  }

  report(now: number): HealthReport {
    const r = judgeHealth(this.facts(), this.policy, now);
    if (!this.engineOk && this.lastEngineError)
      r.reasons = r.reasons.map((x) =>
        x === "the engine failed its last check" ? `${x}: ${this.lastEngineError}` : x,
      );
    return r;
  }

  healthy(now: number): boolean {
    return judgeHealth(this.facts(), this.policy, now).healthy;
  }

  /** Engine checks failed in a row since the last one that passed. */
  consecutiveEngineFailures(): number {
    return this.engineFailures;
  }
}
