// Free space (and inodes) on the engine's data root and on the device's data partitions.
import { bytes, errorText, percent } from "../format.ts";
import type { FsSpace } from "../host.ts";
import type { DoctorThresholds } from "../options.ts";
import type { Check, CheckResult, CheckStatus, DoctorContext } from "../types.ts";
import { STATUS_RANK, skip } from "../types.ts";

export interface SpaceVerdict {
  status: CheckStatus;
  text: string;
}

export function judgeSpace(path: string, s: FsSpace, t: DoctorThresholds): SpaceVerdict {
  const share = s.totalBytes > 0 ? (s.availableBytes / s.totalBytes) * 100 : 100;
  const inodeShare = s.totalInodes > 0 ? (s.freeInodes / s.totalInodes) * 100 : 100;
  const worst = Math.min(share, inodeShare);
  const status = worst < t.spaceFailPercent ? "fail" : worst < t.spaceWarnPercent ? "warn" : "ok";
  const inodes =
    inodeShare < t.spaceWarnPercent ? `, inodes ${percent(s.freeInodes, s.totalInodes)} free` : "";
  const text = `${path} ${bytes(s.availableBytes)} free of ${bytes(s.totalBytes)} (${percent(s.availableBytes, s.totalBytes)})${inodes}`;
  return { status, text };
}

async function judgePaths(ctx: DoctorContext, paths: string[]): Promise<SpaceVerdict[]> {
  return Promise.all(
    paths.map(async (path) => {
      try {
        return judgeSpace(path, await ctx.host.statfs(path), ctx.options.thresholds);
      } catch (e) {
        return { status: "fail" as const, text: `${path}: ${errorText(e)}` };
      }
    }),
  );
}

function summarise(verdicts: SpaceVerdict[], what: string, t: DoctorThresholds): CheckResult {
  const worst = verdicts.reduce<CheckStatus>(
    (w, v) => (STATUS_RANK[v.status] > STATUS_RANK[w] ? v.status : w),
    "ok",
  );
  const bad = verdicts.filter((v) => v.status !== "ok");
  const figure = (bad.length > 0 ? bad : verdicts).map((v) => v.text).join("; ");
  const detail = `${what}: ${verdicts.map((v) => `${v.text} [${v.status}]`).join("; ")}. Warn below ${t.spaceWarnPercent}% free, fail below ${t.spaceFailPercent}% (space or inodes).`;
  const action =
    worst === "ok"
      ? ""
      : "Free space now: prune unused images (edgevisor keeps only the running and target release), rotate or ship logs off the device, move data into size-capped volumes. A full data partition stops containers from starting and updates from applying.";
  return { status: worst, figure, detail, action };
}

export const dataRootSpaceCheck: Check = {
  id: "data-root-space",
  title: "Data root space",
  needsEngine: true,
  async run(ctx) {
    const { dataRoot } = await ctx.shared.engineInfo();
    if (!ctx.engine.local || !ctx.host.exists(dataRoot))
      return skip(
        "data root not local",
        `The engine at ${ctx.engine.address} keeps its data in ${dataRoot}, which is not visible from here.`,
        "Run edgevisor doctor on the device itself.",
      );
    return summarise(await judgePaths(ctx, [dataRoot]), "Engine data root", ctx.options.thresholds);
  },
};

export const dataPartitionSpaceCheck: Check = {
  id: "data-space",
  title: "Data partitions",
  async run(ctx) {
    const paths = ctx.options.dataPaths;
    if (paths.length === 0)
      return skip(
        "none configured",
        "No data partition given and neither /mnt/data nor the agent's state directory exists.",
        "Pass --data-path for each data partition of the device.",
      );
    return summarise(await judgePaths(ctx, paths), "Data partitions", ctx.options.thresholds);
  },
};
