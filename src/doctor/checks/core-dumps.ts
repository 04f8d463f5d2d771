// Core dumps: a crash-looping service that dumps cores fills the storage one dump at a time.
// A service may dump when the kernel's core_pattern produces dumps and its core limit is
// above zero. The limit is read from /proc/<pid>/limits of the running service when the
// engine is local, else from HostConfig.Ulimits.
import { servicesOf } from "../engine-diagnostics.ts";
import { bytes, listed } from "../format.ts";
import { parseCoreLimit } from "../proc-parse.ts";
import type { Check, DoctorContext } from "../types.ts";
import { skip } from "../types.ts";

/** Handlers that discard dumps. */
const DISCARDING = /^\|\s*\/(usr\/)?bin\/(false|true)(\s|$)/;

export function coreDestination(pattern: string): string | undefined {
  const p = pattern.trim();
  if (p === "" || DISCARDING.test(p)) return undefined;
  if (p.startsWith("|")) return `piped to ${p.slice(1).trim().split(/\s+/)[0]}`;
  return p.startsWith("/") ? `files ${p}` : `files '${p}' in the crashing process's cwd`;
}

async function coreLimitOf(
  ctx: DoctorContext,
  pid: number | undefined,
  set: { soft: number } | undefined,
): Promise<number | undefined> {
  if (ctx.engine.local && pid) {
    const text = await ctx.host.readText(`/proc/${pid}/limits`).catch(() => undefined);
    const limit = text ? parseCoreLimit(text) : undefined;
    if (limit !== undefined) return limit;
  }
  if (!set) return undefined;
  return set.soft < 0 ? Infinity : set.soft;
}

export const coreDumpsCheck: Check = {
  id: "core-dumps",
  title: "Core dumps",
  needsEngine: true,
  async run(ctx) {
    const pattern = await ctx.host.readText("/proc/sys/kernel/core_pattern", ctx.signal);
    if (pattern === undefined)
      return skip("unknown", "/proc/sys/kernel/core_pattern is not readable.");
    const destination = coreDestination(pattern);
    const shown = `core_pattern '${pattern.trim()}'`;
    if (!destination)
      return {
        status: "ok",
        figure: `disabled (${shown})`,
        detail: "The kernel discards core dumps.",
        action: "",
      };
    const { services } = servicesOf(await ctx.shared.containers());
    const running = services.filter((c) => c.running);
    const limits = await Promise.all(running.map((c) => coreLimitOf(ctx, c.pid, c.coreUlimit)));
    const dumping = running
      .map((c, i) => ({ name: c.name, limit: limits[i] }))
      .filter((x) => x.limit === undefined || x.limit > 0);
    const detail = `Dumps go to ${destination}. Core limit of running services: ${
      running
        .map((c, i) => `${c.name} ${limits[i] === undefined ? "unknown" : bytes(limits[i]!)}`)
        .join(", ") || "none running"
    }.`;
    if (running.length === 0)
      return { status: "ok", figure: `${shown}, no running services`, detail, action: "" };
    if (dumping.length === 0)
      return { status: "ok", figure: `${shown}, all services' core limit 0`, detail, action: "" };
    return {
      status: "warn",
      figure: `${listed(dumping.map((d) => d.name))} may dump cores (${shown})`,
      detail,
      action:
        "Set the core ulimit to 0 for services (ulimits: core: 0) or core_pattern to '|/bin/false'; a crash loop otherwise fills the storage with dumps.",
    };
  },
};
