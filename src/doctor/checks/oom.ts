// Out-of-memory kills: engine events of the window, plus containers whose last exit was one.
import { duration, listed } from "../format.ts";
import type { Check } from "../types.ts";

export const oomCheck: Check = {
  id: "oom",
  title: "OOM kills",
  needsEngine: true,
  async run(ctx) {
    const until = ctx.now();
    const windowMs = ctx.options.thresholds.oomWindowMs;
    const since = new Date(until.getTime() - windowMs);
    const [events, containers] = await Promise.all([
      ctx.engine.oomEvents(since, until, ctx.signal),
      ctx.shared.containers(),
    ]);
    const counts = new Map<string, number>();
    for (const e of events) counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
    const flagged = containers.filter((c) => c.oomKilled && !counts.has(c.name)).map((c) => c.name);
    const window = windowMs % 3_600_000 === 0 ? `${windowMs / 3_600_000} h` : duration(windowMs);
    if (counts.size === 0 && flagged.length === 0)
      return {
        status: "ok",
        figure: `none in the last ${window}`,
        detail: "No oom events from the engine and no container whose last exit was an OOM kill.",
        action: "",
      };
    const parts = [...counts].map(([name, n]) => `${name} ×${n}`);
    const all = [...parts, ...flagged.map((n) => `${n} (last exit)`)];
    return {
      status: "warn",
      figure: `${events.length} in ${window}: ${listed(all)}`,
      detail: `OOM kills in the last ${window}: ${all.join(", ")}.`,
      action:
        "Give the service a mem_limit above its real peak, or fix its leak; look at its logs just before the kill.",
    };
  },
};
