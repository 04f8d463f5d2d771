// The guards as the daemon uses them, built from the agent's config in one call, and the
// executor's fetch hook with the disk guard in front. The composition root (src/agent.ts)
// calls createGuards; nothing here reads process.env or starts anything.
import path from "node:path";
import type { AgentConfig } from "../config.ts";
import { linuxHost, type HostProbe } from "../doctor/host.ts";
import type { ContainerEngine, ProgressSink } from "../engine/types.ts";
import type { Release, ServiceSpec } from "../release/types.ts";
import { ClockMonitor } from "./clock-guard.ts";
import { DiskGuard } from "./disk-space.ts";
import { OomLog } from "./memory-guard.ts";
import { readBootId, RebootGuard, type RebootPolicy } from "./reboot-guard.ts";

export interface Guards {
  reboot: RebootGuard;
  disk: DiskGuard;
  clock: ClockMonitor;
  ooms: OomLog;
}

export interface GuardOptions {
  reboot?: RebootPolicy;
  /** Bytes kept free on the data root; defaultReserve (max(10 %, 512 MiB)) when absent. */
  reserveBytes?: (totalBytes: number) => number;
  /** OOM kills are reported over this window (default 24 h). */
  oomWindowMs?: number;
  host?: Pick<HostProbe, "statfs" | "ntp">;
}

export function createGuards(
  config: AgentConfig,
  engine: Pick<ContainerEngine, "dataRoot" | "imageUsage" | "removeImage">,
  log: (line: string) => void,
  options: GuardOptions = {},
): Guards {
  const host = options.host ?? linuxHost();
  return {
    reboot: new RebootGuard({
      file: path.join(config.stateDir, "reboot-history.json"),
      bootId: readBootId,
      log,
      ...(options.reboot ? { policy: options.reboot } : {}),
    }),
    disk: new DiskGuard({
      engine,
      statfs: (p) => host.statfs(p),
      log,
      ...(options.reserveBytes ? { reserveBytes: options.reserveBytes } : {}),
    }),
    clock: new ClockMonitor({
      ntp: (signal) => host.ntp(signal),
      wallMs: () => Date.now(),
      monotonicMs: () => performance.now(),
    }),
    ooms: new OomLog(options.oomWindowMs),
  };
}

export type FetchImage = (
  service: ServiceSpec,
  progress: ProgressSink,
  signal: AbortSignal,
) => Promise<void>;

/** Pull or build, as the executor does without a hook. */
export function engineFetch(engine: Pick<ContainerEngine, "pullImage" | "buildImage">): FetchImage {
  return (s, progress, signal) =>
    s.build
      ? engine.buildImage(s.image, s.build, progress, signal)
      : engine.pullImage(s.image, progress, signal);
}

/**
 * ExecutorDeps.fetchImage with the disk guard in front: each fetch first gets its space
 * (removing unused images if needed) or fails with EV_INSUFFICIENT_SPACE before anything is
 * downloaded; the running release is untouched either way.
 */
export function guardedFetch(
  disk: DiskGuard,
  releases: () => { target: Release; rollback?: Release },
  fetch: FetchImage,
): FetchImage {
  return async (service, progress, signal) => {
    const grant = await disk.ensureSpace({ fetch: [service], ...releases() });
    try {
      await fetch(service, progress, signal);
    } finally {
      grant.release();
    }
  };
}
