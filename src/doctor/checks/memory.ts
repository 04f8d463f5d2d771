// Memory headroom of the host, and services that may take all of it.
import { servicesOf } from "../engine-diagnostics.ts";
import { bytes, listed, percent } from "../format.ts";
import { parseMeminfo } from "../proc-parse.ts";
import type { Check } from "../types.ts";
import { skip } from "../types.ts";

export const memoryCheck: Check = {
  id: "memory",
  title: "Memory headroom",
  async run(ctx) {
    const info = parseMeminfo((await ctx.host.readText("/proc/meminfo", ctx.signal)) ?? "");
    const total = info.get("MemTotal");
    const available = info.get("MemAvailable");
    if (!total || available === undefined)
      return skip("unknown", "/proc/meminfo has no MemTotal/MemAvailable.");
    const share = (available / total) * 100;
    const t = ctx.options.thresholds;
    const status =
      share < t.memoryFailPercent ? "fail" : share < t.memoryWarnPercent ? "warn" : "ok";
    return {
      status,
      figure: `${bytes(available)} available of ${bytes(total)} (${percent(available, total)})`,
      detail: `MemAvailable vs MemTotal from /proc/meminfo. Warn below ${t.memoryWarnPercent}%, fail below ${t.memoryFailPercent}%.`,
      action:
        status === "ok"
          ? ""
          : "Find the biggest consumers (services first) and give each a mem_limit; the kernel's OOM killer otherwise picks a victim for you.",
    };
  },
};

export const memoryLimitsCheck: Check = {
  id: "memory-limits",
  title: "Memory limits",
  needsEngine: true,
  async run(ctx) {
    const { services, scope } = servicesOf(await ctx.shared.containers());
    const running = services.filter((c) => c.running);
    const unlimited = running.filter((c) => c.memoryLimitBytes === 0);
    const what = scope === "managed" ? "edgevisor services" : "containers";
    if (running.length === 0)
      return {
        status: "ok",
        figure: `no running ${what}`,
        detail: "Nothing to judge.",
        action: "",
      };
    if (unlimited.length === 0)
      return {
        status: "ok",
        figure: `all ${running.length} running ${what} limited`,
        detail: running.map((c) => `${c.name} ${bytes(c.memoryLimitBytes)}`).join(", "),
        action: "",
      };
    const names = unlimited.map((c) => c.name);
    return {
      status: "warn",
      figure: `${unlimited.length} of ${running.length} without limit: ${listed(names)}`,
      detail: `Running ${what} without a memory limit: ${names.join(", ")}.`,
      action: "Set mem_limit on every service so one leak cannot take the device down.",
    };
  },
};
