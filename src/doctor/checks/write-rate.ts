// Bytes written per second to the block device behind the engine's data root, sampled from
// /proc/diskstats over a short window. Flash and SD cards wear out under steady writes.
import { bytes, duration } from "../format.ts";
import { mountOf, parseDiskstats, parseMountinfo } from "../proc-parse.ts";
import type { Check } from "../types.ts";
import { skip } from "../types.ts";

const SECTOR = 512;

export const writeRateCheck: Check = {
  id: "write-rate",
  title: "Write rate",
  needsEngine: true,
  extraTimeMs: (o) => o.sampleMs,
  async run(ctx) {
    const { dataRoot } = await ctx.shared.engineInfo();
    if (!ctx.engine.local || !ctx.host.exists(dataRoot))
      return skip("data root not local", `${dataRoot} is not visible from here.`);
    const mounts = parseMountinfo((await ctx.host.readText("/proc/self/mountinfo")) ?? "");
    const mount = mountOf(mounts, dataRoot);
    if (!mount)
      return skip("no mount found", `No mount in /proc/self/mountinfo holds ${dataRoot}.`);
    const sample = async () => {
      const stats = parseDiskstats((await ctx.host.readText("/proc/diskstats", ctx.signal)) ?? "");
      // By device number; filesystems with anonymous device numbers (btrfs) by source name.
      const source = mount.source.replace(/^\/dev\//, "");
      return (
        stats.find((d) => d.major === mount.major && d.minor === mount.minor) ??
        stats.find((d) => mount.source.startsWith("/dev/") && d.name === source)
      );
    };
    const before = await sample();
    if (!before)
      return skip(
        `${mount.fsType}, no block device`,
        `${dataRoot} is on ${mount.source} (${mount.fsType}, ${mount.major}:${mount.minor}), which has no entry in /proc/diskstats.`,
      );
    const t0 = ctx.host.monotonicMs();
    await ctx.host.sleep(ctx.options.sampleMs, ctx.signal);
    const after = await sample();
    const seconds = (ctx.host.monotonicMs() - t0) / 1000;
    const rate = after ? ((after.sectorsWritten - before.sectorsWritten) * SECTOR) / seconds : 0;
    const perDay = rate * 86_400;
    const figure = `${before.name} ${bytes(rate)}/s over ${duration(seconds * 1000)} (≈ ${bytes(perDay)}/day)`;
    const limit = ctx.options.thresholds.writeRateWarnBytesPerSec;
    const detail = `Sectors written to ${before.name} (${mount.major}:${mount.minor}, holds ${dataRoot}) during the sample. Warn above ${bytes(limit)}/s sustained. A short sample can catch a burst: run again to confirm.`;
    if (rate <= limit) return { status: "ok", figure, detail, action: "" };
    return {
      status: "warn",
      figure,
      detail,
      action:
        "Find the writer (writable layers, logs, databases); keep scratch data in tmpfs, batch writes, log to stdout with a bounded log driver.",
    };
  },
};
