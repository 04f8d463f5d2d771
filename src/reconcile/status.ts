// The device's status, derived (never stored separately): the persisted target and
// outcome, plus what the engine runs now. Overall is a closed set.
import type { EngineSnapshot } from "../engine/types.ts";
import type { Release } from "../release/types.ts";
import type { AgentState, ApplyStatus } from "../state/agent-state.ts";
import { volumeName } from "../engine/names.ts";
import { serviceConfigHash } from "./config-hash.ts";
import type { Plan } from "./planner.ts";
import { servicesWithoutLimit } from "../guards/memory-guard.ts";

export interface ServiceStatus {
  service: string;
  image: string;
  container?: string;
  state: string;
  health?: string;
  release?: string;
  /** True when the running container is not the target's (an update is pending). */
  outdated: boolean;
  memLimit?: number;
}

export interface StatusReport {
  overall: ApplyStatus | "none";
  reason?: string;
  app?: string;
  targetRelease?: string;
  currentRelease?: string;
  interruptedStep?: string;
  services: ServiceStatus[];
  waiting: string[];
  pendingSteps: number;
  /** Volumes of this app the target no longer uses: kept, never deleted implicitly. */
  unusedVolumes: string[];
  /** What the runtime guards report: OOM kills, services without a memory limit, clock. */
  alerts: string[];
}

export function statusReport(
  state: AgentState,
  engine: EngineSnapshot | undefined,
  plan: Plan | undefined,
  extraAlerts: string[] = [],
): StatusReport {
  const target: Release | undefined = state.target?.release;
  if (!target) {
    return {
      overall: "none",
      services: [],
      waiting: [],
      pendingSteps: 0,
      unusedVolumes: [],
      alerts: extraAlerts,
    };
  }
  const services: ServiceStatus[] = Object.values(target.services).map((s) => {
    const hash = serviceConfigHash(target.app, s);
    const all = engine?.containers.filter((c) => c.service === s.name) ?? [];
    const c = all.find((x) => x.configHash === hash) ?? all[0];
    return {
      service: s.name,
      image: s.image,
      ...(c ? { container: c.name, release: c.releaseId } : {}),
      state: c ? c.status : "missing",
      ...(c?.health ? { health: c.health } : {}),
      outdated: !c || c.configHash !== hash,
      ...(s.memLimit ? { memLimit: s.memLimit } : {}),
    };
  });
  const wanted = new Set(Object.keys(target.volumes).map((v) => volumeName(target.app, v)));
  const pending = (plan?.steps.length ?? 0) + (plan?.waiting.length ?? 0);
  let overall: StatusReport["overall"] = state.status ?? "applying";
  if (overall === "applied" && pending > 0) overall = "applying";
  return {
    overall,
    ...(state.reason && overall !== "applied" ? { reason: state.reason } : {}),
    app: target.app,
    targetRelease: target.releaseId,
    ...(state.current ? { currentRelease: state.current.release.releaseId } : {}),
    ...(state.inFlight ? { interruptedStep: state.inFlight.step } : {}),
    services,
    waiting: plan?.waiting ?? [],
    pendingSteps: plan?.steps.length ?? 0,
    unusedVolumes: (engine?.volumes ?? []).map((v) => v.name).filter((v) => !wanted.has(v)),
    alerts: [...guardAlerts(target, engine), ...extraAlerts],
  };
}

function guardAlerts(target: Release, engine: EngineSnapshot | undefined): string[] {
  const out: string[] = [];
  const oom = (engine?.containers ?? []).filter((c) => c.oomKilled).map((c) => c.service);
  if (oom.length) out.push(`killed for lack of memory (OOM): ${oom.join(", ")}`);
  const looping = (engine?.containers ?? []).filter(
    (c) => c.status === "restarting" || (c.restartCount ?? 0) >= 3,
  );
  for (const c of looping) {
    out.push(
      `crash loop: ${c.service} restarted ${c.restartCount ?? 0} times by the engine${c.status === "restarting" ? ", restarting now" : ""}`,
    );
  }
  const unlimited = servicesWithoutLimit(target);
  if (unlimited.length)
    out.push(`no mem_limit (may exhaust the device's memory): ${unlimited.join(", ")}`);
  return out;
}

export function formatStatus(r: StatusReport): string {
  if (r.overall === "none")
    return "no target release: apply one with `edgevisor apply <compose file>`";
  const lines = [
    `release ${r.targetRelease} of ${r.app}: ${r.overall}${r.reason ? ` — ${r.reason}` : ""}`,
    ...(r.interruptedStep ? [`interrupted during: ${r.interruptedStep}`] : []),
  ];
  const rows = r.services.map((s) => [
    s.service,
    s.image,
    s.state + (s.health ? ` (${s.health})` : ""),
    s.release ?? "-",
    s.outdated ? "update pending" : "",
    s.memLimit ? "" : "no mem_limit",
  ]);
  const header = ["SERVICE", "IMAGE", "STATE", "RELEASE", "", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [header, ...rows])
    lines.push(
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    );
  for (const w of r.waiting) lines.push(`waiting: ${w}`);
  if (r.unusedVolumes.length)
    lines.push(`volumes no longer used (kept): ${r.unusedVolumes.join(", ")}`);
  return lines.join("\n");
}
