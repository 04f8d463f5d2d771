// The doctor's report: the outcomes plus the worst status, which is also the exit code
// (0 ok, 1 warn, 2 fail; skipped checks count as ok).
import type { CheckOutcome, CheckStatus } from "./types.ts";
import { STATUS_RANK } from "./types.ts";

export interface DoctorReport {
  /** Bumped when the JSON shape changes incompatibly. */
  schemaVersion: 1;
  generatedAt: string;
  hostname: string;
  worst: "ok" | "warn" | "fail";
  exitCode: 0 | 1 | 2;
  counts: Record<CheckStatus, number>;
  checks: CheckOutcome[];
}

export function buildReport(checks: CheckOutcome[], at: Date, hostname: string): DoctorReport {
  const counts: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, skip: 0 };
  let rank = 0;
  for (const c of checks) {
    counts[c.status]++;
    rank = Math.max(rank, STATUS_RANK[c.status]);
  }
  const worst = rank === 2 ? "fail" : rank === 1 ? "warn" : "ok";
  return {
    schemaVersion: 1,
    generatedAt: at.toISOString(),
    hostname,
    worst,
    exitCode: rank as 0 | 1 | 2,
    counts,
    checks,
  };
}
