import { duration, errorText } from "../format.ts";
import type { Check } from "../types.ts";

/** Drivers that work but cost a small device dearly. */
const COSTLY_DRIVERS: Record<string, string> = {
  vfs: "copies every layer in full, so each image takes its whole size again per layer",
  aufs: "is deprecated and slower than overlay2 in space and CPU",
  devicemapper: "is deprecated and needs its own thin pool",
};

export const engineCheck: Check = {
  id: "engine",
  title: "Engine",
  async run(ctx) {
    const started = ctx.host.monotonicMs();
    try {
      await ctx.engine.ping(ctx.signal);
    } catch (e) {
      return {
        status: "fail",
        figure: `no answer at ${ctx.engine.address}`,
        detail: `Ping failed: ${errorText(e)}`,
        action: "Start the engine or fix DOCKER_HOST; nothing on the device updates without it.",
      };
    }
    const pingMs = ctx.host.monotonicMs() - started;
    const info = await ctx.shared.engineInfo();
    const backing = info.backingFilesystem ? ` on ${info.backingFilesystem}` : "";
    const figure = `${info.version}, ${info.storageDriver}${backing}, ping ${duration(pingMs)}`;
    const detail = `Engine ${info.version} (API ${info.apiVersion}) on ${info.operatingSystem}, kernel ${info.kernelVersion}, data root ${info.dataRoot}.`;
    const costly = COSTLY_DRIVERS[info.storageDriver];
    if (costly)
      return {
        status: "warn",
        figure,
        detail: `${detail} The ${info.storageDriver} storage driver ${costly}.`,
        action: "Run the engine with the overlay2 storage driver.",
      };
    return { status: "ok", figure, detail, action: "" };
  },
};
