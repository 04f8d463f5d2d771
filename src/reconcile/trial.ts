// The test window of a new release. A release that reached the device is committed only
// after every service has run — without restarting, and healthy where it has a healthcheck —
// for the whole window. Pure: the daemon feeds it engine snapshots and the clock.
import type { EngineSnapshot } from "../engine/types.ts";
import type { Release } from "../release/types.ts";
import { serviceConfigHash } from "./config-hash.ts";

export const DEFAULT_TRIAL_WINDOW_MS = 60_000;

export type TrialVerdict =
  | { verdict: "pending"; remainingMs: number }
  | { verdict: "passed" }
  | { verdict: "failed"; reason: string };

export function evaluateTrial(
  release: Release,
  engine: EngineSnapshot,
  since: number,
  now: number,
  windowMs: number,
): TrialVerdict {
  for (const s of Object.values(release.services)) {
    const hash = serviceConfigHash(release.app, s);
    const c = engine.containers.find((x) => x.service === s.name && x.configHash === hash);
    if (!c) return { verdict: "failed", reason: `${s.name}: its container is gone` };
    if (c.oomKilled)
      return { verdict: "failed", reason: `${s.name}: killed for lack of memory (OOM)` };
    const oneShot = s.restart === "no" || s.restart === "on-failure";
    if (c.status === "exited") {
      if (oneShot && c.exitCode === 0) continue;
      return { verdict: "failed", reason: `${s.name}: exited with code ${c.exitCode}` };
    }
    if (c.status === "restarting")
      return { verdict: "failed", reason: `${s.name}: crash loop (restarting)` };
    if (c.startedAt !== undefined && c.startedAt > since) {
      return {
        verdict: "failed",
        reason: `${s.name}: restarted during the test window (restart count ${c.restartCount ?? "?"})`,
      };
    }
    if (c.health === "unhealthy") return { verdict: "failed", reason: `${s.name}: unhealthy` };
  }
  const remainingMs = since + windowMs - now;
  if (remainingMs > 0) return { verdict: "pending", remainingMs };
  const unhealthy = Object.values(release.services).find((s) => {
    const c = engine.containers.find(
      (x) => x.service === s.name && x.configHash === serviceConfigHash(release.app, s),
    );
    return c?.health !== undefined && c.health !== "healthy";
  });
  if (unhealthy)
    return {
      verdict: "failed",
      reason: `${unhealthy.name}: not healthy by the end of the test window`,
    };
  return { verdict: "passed" };
}
