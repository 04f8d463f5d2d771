// Clock guard: is the wall clock plausible enough for TLS? Judged against the agent's build
// date (a device cannot run software built in its future) and, when the fleet answered
// recently, against the Date header of that answer. NTP state is reported, never acted on:
// the agent reads the clock and never sets it (nothing in edgevisor can).
import { BUILD_DATE } from "../doctor/build-date.ts";
import { EvError } from "../errors.ts";
import type { HostProbe, NtpState } from "../doctor/host.ts";

export type ClockStatus =
  "ok" | "not-synchronised" | "drifting" | "before-build-date" | "far-from-fleet";

export interface ClockAssessment {
  plausible: boolean;
  status: ClockStatus;
  /** Local clock minus fleet time (positive: local is ahead); only with a fleet date. */
  driftMs?: number;
  /** True while the clock is implausible: TLS-dependent work (fleet API, registry) waits. */
  deferTls: boolean;
  /** One sentence for status and logs. */
  message: string;
}

export interface ClockLimits {
  /** Drift from fleet time reported as "drifting" (still plausible). */
  warnDriftMs: number;
  /** Drift from fleet time beyond which certificate checks are unreliable: implausible. */
  implausibleDriftMs: number;
}

export const DEFAULT_CLOCK_LIMITS: ClockLimits = {
  // The Date header has one-second resolution and the request takes time.
  warnDriftMs: 60_000,
  // Certificates are valid from (roughly) their issue time: a day off breaks fresh ones.
  implausibleDriftMs: 24 * 3_600_000,
};

export interface ClockInput {
  /** Local wall clock, epoch ms. */
  now: number;
  buildDate: Date;
  /** The Date of a fleet response received at `now`. */
  fleetDate?: Date;
  /** NTP synchronisation as the OS reports it; undefined or "unknown" when it cannot tell. */
  ntpSynced?: boolean | "unknown";
  limits?: ClockLimits;
}

export function assessClock(input: ClockInput): ClockAssessment {
  const { now, buildDate, fleetDate, ntpSynced } = input;
  const limits = input.limits ?? DEFAULT_CLOCK_LIMITS;
  const iso = new Date(now).toISOString();
  const ntp =
    ntpSynced === true ? "NTP synchronised" : ntpSynced === false ? "NTP not synchronised" : "";
  const withNtp = (s: string) => (ntp ? `${s}; ${ntp}` : s);
  const driftMs = fleetDate ? now - fleetDate.getTime() : undefined;
  const drift = driftMs === undefined ? {} : { driftMs };

  if (now < buildDate.getTime())
    return {
      plausible: false,
      status: "before-build-date",
      ...drift,
      deferTls: true,
      message: withNtp(
        `clock says ${iso}, before this agent was built (${buildDate.toISOString().slice(0, 10)}); TLS work deferred until the clock is set`,
      ),
    };
  if (driftMs !== undefined && Math.abs(driftMs) > limits.implausibleDriftMs)
    return {
      plausible: false,
      status: "far-from-fleet",
      driftMs,
      deferTls: true,
      message: withNtp(
        `clock is ${spellDrift(driftMs)} the fleet's (${fleetDate!.toISOString()}); TLS work deferred until the clock is set`,
      ),
    };
  if (driftMs !== undefined && Math.abs(driftMs) > limits.warnDriftMs)
    return {
      plausible: true,
      status: "drifting",
      driftMs,
      deferTls: false,
      message: withNtp(`clock is ${spellDrift(driftMs)} the fleet's`),
    };
  if (ntpSynced === false)
    return {
      plausible: true,
      status: "not-synchronised",
      ...drift,
      deferTls: false,
      message: `clock is plausible (${iso}) but NTP is not synchronised; check that UDP 123 to the NTP servers is open`,
    };
  return {
    plausible: true,
    status: "ok",
    ...drift,
    deferTls: false,
    message: withNtp(
      driftMs === undefined
        ? `clock is plausible (${iso})`
        : `clock agrees with the fleet's within ${Math.ceil(Math.abs(driftMs) / 1000)} s`,
    ),
  };
}

/**
 * For TLS-dependent work (fleet API, registry pulls) while the clock is implausible: the error
 * to report instead of trying, so status shows the cause rather than a certificate failure.
 */
export function deferredTlsError(a: ClockAssessment): EvError | undefined {
  if (!a.deferTls) return undefined;
  return new EvError("EV_CLOCK_IMPLAUSIBLE", a.message, {
    hint: "the agent never sets the clock: let NTP set it (allow UDP 123 to the NTP servers) or set it once by hand; the running release is unchanged",
  });
}

function spellDrift(ms: number): string {
  const a = Math.abs(ms);
  const amount =
    a >= 86_400_000
      ? `${(a / 86_400_000).toFixed(1)} days`
      : a >= 3_600_000
        ? `${(a / 3_600_000).toFixed(1)} h`
        : a >= 60_000
          ? `${Math.round(a / 60_000)} min`
          : `${Math.round(a / 1000)} s`;
  return `${amount} ${ms > 0 ? "ahead of" : "behind"}`;
}

/** The Date header of an HTTP response, or undefined when absent or malformed. */
export function parseHttpDate(value: string | null | undefined): Date | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t);
}

export interface ClockMonitorDeps {
  ntp: HostProbe["ntp"];
  /** Wall clock (Date.now) and a monotonic clock (performance.now), injectable for tests. */
  wallMs: () => number;
  monotonicMs: () => number;
  buildDate?: Date;
  limits?: ClockLimits;
  /** A fleet observation older than this (monotonic) is no longer used. */
  fleetMaxAgeMs?: number;
}

/**
 * The stateful part for the daemon: remembers the drift seen in the last fleet response
 * (on the monotonic clock, so a clock step cannot age it) and asks the OS about NTP.
 */
export class ClockMonitor {
  private readonly deps: ClockMonitorDeps;
  private fleet: { driftMs: number; atMono: number } | undefined;

  constructor(deps: ClockMonitorDeps) {
    this.deps = deps;
  }

  /** Call with the Date header of every fleet response, when it is received. */
  observeFleetDate(header: string | null | undefined): void {
    const date = parseHttpDate(header);
    if (date)
      this.fleet = {
        driftMs: this.deps.wallMs() - date.getTime(),
        atMono: this.deps.monotonicMs(),
      };
  }

  async assess(signal?: AbortSignal): Promise<ClockAssessment> {
    const ntp: NtpState = await this.deps
      .ntp(signal)
      .catch((e: unknown) => ({ synced: "unknown" as const, source: String(e) }));
    const now = this.deps.wallMs();
    const maxAge = this.deps.fleetMaxAgeMs ?? 15 * 60_000;
    const fresh = this.fleet && this.deps.monotonicMs() - this.fleet.atMono <= maxAge;
    return assessClock({
      now,
      buildDate: this.deps.buildDate ?? BUILD_DATE,
      ...(fresh ? { fleetDate: new Date(now - this.fleet!.driftMs) } : {}),
      ntpSynced: ntp.synced,
      ...(this.deps.limits ? { limits: this.deps.limits } : {}),
    });
  }
}
