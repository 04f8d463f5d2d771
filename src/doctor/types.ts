// The doctor's vocabulary: a check is an id, a title and a read-only probe that returns a
// status, the figure it measured, a sentence of detail and what to do about it.
import type { EngineDiagnostics } from "./engine-diagnostics.ts";
import type { HostProbe } from "./host.ts";
import type { DoctorOptions } from "./options.ts";

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface CheckResult {
  status: CheckStatus;
  /** The measured figure, short: "12.3 GiB free of 29.1 GiB (42%)". */
  figure: string;
  /** One or two sentences: what was looked at and why the status is what it is. */
  detail: string;
  /** What to do; empty when nothing needs doing. */
  action: string;
}

export interface DoctorContext {
  readonly options: DoctorOptions;
  readonly engine: EngineDiagnostics;
  readonly host: HostProbe;
  /** Aborted when this check's time is up; pass it to anything that can be cancelled. */
  readonly signal: AbortSignal;
  /** Shared, memoised reads: several checks need the same engine answers. */
  readonly shared: SharedReads;
  /** The clock, injectable for tests. */
  now(): Date;
}

export interface SharedReads {
  engineInfo(): ReturnType<EngineDiagnostics["info"]>;
  containers(): ReturnType<EngineDiagnostics["containers"]>;
}

export interface Check {
  id: string;
  title: string;
  /** Checks that talk to the engine are skipped when the engine check failed. */
  needsEngine?: boolean;
  /** Time this check needs beyond the common per-check limit (e.g. its sample window). */
  extraTimeMs?: (options: DoctorOptions) => number;
  run(ctx: DoctorContext): Promise<CheckResult>;
}

export interface CheckOutcome extends CheckResult {
  id: string;
  title: string;
  durationMs: number;
}

export const STATUS_RANK: Record<CheckStatus, number> = { skip: 0, ok: 0, warn: 1, fail: 2 };

export function ok(figure: string, detail: string): CheckResult {
  return { status: "ok", figure, detail, action: "" };
}

export function skip(figure: string, detail: string, action = ""): CheckResult {
  return { status: "skip", figure, detail, action };
}
