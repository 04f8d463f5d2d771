// Reboot-loop guard: every reboot or shutdown request (from the local API or the agent itself)
// is counted in a small history that survives reboots; more than `limit` in `windowMs` are
// refused. The history is written only when a request is accepted, so an idle device or a
// refused storm writes nothing to flash. The decision is pure (decideReboot); the class adds
// the file and the boot id. The agent itself never asks for a reboot because of its own health.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { EvError } from "../errors.ts";
import { atomicWriteFile } from "../util/atomic-write.ts";

export type PowerAction = "reboot" | "shutdown";
export type PowerSource = "api" | "agent";

export interface PowerRecord {
  kind: PowerAction;
  source: PowerSource;
  /** Epoch ms (wall clock) when the request was accepted. */
  at: number;
  /** /proc/sys/kernel/random/boot_id of the boot that accepted it. */
  bootId: string;
}

export interface RebootPolicy {
  /** Requests accepted per window; the next one is refused. */
  limit: number;
  windowMs: number;
}

export const DEFAULT_REBOOT_POLICY: RebootPolicy = { limit: 3, windowMs: 60 * 60 * 1000 };

/** Records older than the window are dropped on write; this caps a file with a huge window. */
const MAX_RECORDS = 50;

export type RebootDecision =
  { allowed: true; recent: number } | { allowed: false; recent: number; allowedAt: number };

/**
 * Pure: may one more request be accepted at `now`? A record stamped after `now` (the clock
 * went back, e.g. a board without RTC booting at an old date) counts as recent: refusing
 * one reboot too many is cheap, a loop is not.
 */
export function decideReboot(
  records: readonly PowerRecord[],
  now: number,
  policy: RebootPolicy,
): RebootDecision {
  const recent = records
    .filter((r) => r.at > now - policy.windowMs)
    .map((r) => r.at)
    .sort((a, b) => a - b);
  if (recent.length < policy.limit) return { allowed: true, recent: recent.length };
  // Allowed again once enough of the recent ones have left the window.
  const blocker = recent[recent.length - policy.limit]!;
  return { allowed: false, recent: recent.length, allowedAt: blocker + policy.windowMs };
}

export function rebootLoopError(
  kind: PowerAction,
  decision: Extract<RebootDecision, { allowed: false }>,
  policy: RebootPolicy,
  now: number,
): EvError {
  const wait = Math.max(0, decision.allowedAt - now);
  return new EvError(
    "EV_REBOOT_LOOP",
    `${kind} refused: ${decision.recent} reboot/shutdown requests accepted in the last ${spell(policy.windowMs)} (limit ${policy.limit}); allowed again at ${new Date(decision.allowedAt).toISOString()} (in ${spell(wait)})`,
    {
      hint: "rebooting does not fix a lasting fault, and a device in a reboot loop cannot download the release that fixes it; run edgevisor doctor to find the cause",
    },
  );
}

function spell(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000) return `${Math.ceil(ms / 60_000)} min`;
  return `${Math.ceil(ms / 1000)} s`;
}

export type RebootVerdict =
  | { allowed: true; recent: number; bootId: string }
  | { allowed: false; error: EvError; allowedAt: number };

export interface RebootGuardDeps {
  /** The history file, e.g. `<state-dir>/reboot-history.json`. */
  file: string;
  /** The current boot's id; readBootId() on Linux. */
  bootId: () => Promise<string>;
  log: (line: string) => void;
  policy?: RebootPolicy;
}

export class RebootGuard {
  private readonly deps: RebootGuardDeps;
  readonly policy: RebootPolicy;
  private records: PowerRecord[] | undefined;
  /** Requests are judged one at a time, so two concurrent ones cannot both take the last slot. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(deps: RebootGuardDeps) {
    this.deps = deps;
    this.policy = deps.policy ?? DEFAULT_REBOOT_POLICY;
    if (!(this.policy.limit >= 1) || !(this.policy.windowMs > 0))
      throw new EvError("EV_USAGE", "reboot guard: limit must be ≥ 1 and the window positive");
  }

  static inStateDir(stateDir: string, log: (line: string) => void, policy?: RebootPolicy) {
    return new RebootGuard({
      file: path.join(stateDir, "reboot-history.json"),
      bootId: readBootId,
      log,
      ...(policy ? { policy } : {}),
    });
  }

  /**
   * Judge a request at `now` (epoch ms). When allowed, the request is recorded (and on disk)
   * before this resolves: carry out the reboot only after that. Refusals are logged, never
   * written.
   */
  check(kind: PowerAction, now: number, source: PowerSource = "api"): Promise<RebootVerdict> {
    const run = this.queue.then(() => this.judge(kind, now, source));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Like check, but throws the EV_REBOOT_LOOP error on refusal (for the API's request()). */
  async enforce(kind: PowerAction, now: number, source: PowerSource = "api"): Promise<void> {
    const v = await this.check(kind, now, source);
    if (!v.allowed) throw v.error;
  }

  /** The recorded requests, each with whether a boot has happened since (for status). */
  async history(): Promise<(PowerRecord & { bootedSince: boolean })[]> {
    const [records, bootId] = await Promise.all([this.load(), this.deps.bootId()]);
    return records.map((r) => ({ ...r, bootedSince: r.bootId !== bootId }));
  }

  private async judge(kind: PowerAction, now: number, source: PowerSource): Promise<RebootVerdict> {
    const records = await this.load();
    const decision = decideReboot(records, now, this.policy);
    if (!decision.allowed) {
      const error = rebootLoopError(kind, decision, this.policy, now);
      this.deps.log(`reboot guard: ${source} ${error.message}`);
      return { allowed: false, error, allowedAt: decision.allowedAt };
    }
    const bootId = await this.deps.bootId();
    const kept = records.filter((r) => r.at > now - this.policy.windowMs).slice(-MAX_RECORDS + 1);
    const next = [...kept, { kind, source, at: now, bootId }];
    await atomicWriteFile(this.deps.file, `${JSON.stringify({ version: 1, records: next })}\n`);
    this.records = next;
    const booted = new Set(kept.filter((r) => r.bootId !== bootId).map((r) => r.bootId)).size;
    this.deps.log(
      `reboot guard: ${source} ${kind} accepted (${decision.recent + 1} of ${this.policy.limit} in ${spell(this.policy.windowMs)}; ${booted} earlier boot(s) in the window)`,
    );
    return { allowed: true, recent: decision.recent + 1, bootId };
  }

  private async load(): Promise<PowerRecord[]> {
    if (this.records) return this.records;
    let text: string;
    try {
      text = await readFile(this.deps.file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      return (this.records = []);
    }
    const records = parseHistory(text);
    if (records === undefined)
      this.deps.log(`reboot guard: ${this.deps.file} is unreadable; starting a new history`);
    return (this.records = records ?? []);
  }
}

/** The records of a history file, or undefined when it is not one. */
export function parseHistory(text: string): PowerRecord[] | undefined {
  try {
    const doc = JSON.parse(text) as { version?: unknown; records?: unknown };
    if (doc.version !== 1 || !Array.isArray(doc.records)) return undefined;
    return doc.records.filter(
      (r): r is PowerRecord =>
        typeof r === "object" &&
        r !== null &&
        (r.kind === "reboot" || r.kind === "shutdown") &&
        typeof r.at === "number" &&
        typeof r.bootId === "string",
    );
  } catch {
    return undefined;
  }
}

/** This boot's id: a new random UUID every boot, so records tell which boot accepted them. */
export async function readBootId(): Promise<string> {
  try {
    return (await readFile("/proc/sys/kernel/random/boot_id", "utf8")).trim();
  } catch {
    return "unknown";
  }
}
