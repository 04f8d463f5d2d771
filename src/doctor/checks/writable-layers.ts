// Bytes services wrote into their container filesystem instead of a volume: lost on every
// update, slower than a volume, and a common way to fill a device.
import { servicesOf } from "../engine-diagnostics.ts";
import { bytes, listed } from "../format.ts";
import type { Check } from "../types.ts";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export const writableLayersCheck: Check = {
  id: "writable-layers",
  title: "Writable layers",
  needsEngine: true,
  async run(ctx) {
    const { services, scope } = servicesOf(await ctx.shared.containers());
    if (services.length === 0)
      return {
        status: "ok",
        figure: "no containers",
        detail: "The engine runs no containers.",
        action: "",
      };
    const limit = ctx.options.thresholds.writableLayerWarnBytes;
    const bySize = [...services].sort((a, b) => b.sizeRwBytes - a.sizeRwBytes);
    const heavy = bySize.filter((c) => c.sizeRwBytes > limit);
    const shown = heavy.map((c) => `${c.name} ${bytes(c.sizeRwBytes)}`);
    const detail = `Largest writable layers of ${services.length} ${scope === "managed" ? "edgevisor services" : "containers"}: ${bySize
      .slice(0, 5)
      .map((c) => `${c.name} ${bytes(c.sizeRwBytes)}`)
      .join(", ")}. Warn above ${bytes(limit)}.`;
    if (heavy.length === 0) {
      const top = bySize[0]!;
      const figure = `largest: ${top.name} ${bytes(top.sizeRwBytes)} (${plural(services.length, scope === "managed" ? "service" : "container")})`;
      return { status: "ok", figure, detail, action: "" };
    }
    return {
      status: "warn",
      figure: listed(shown),
      detail,
      action: `Write data to a named volume (or tmpfs for scratch) in ${listed(heavy.map((c) => c.name))}; files in the container filesystem are lost on update and wear the storage.`,
    };
  },
};
