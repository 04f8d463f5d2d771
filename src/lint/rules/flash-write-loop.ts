import {
  callWrites,
  commandWrites,
  isPseudoPath,
  isScratchPath,
  onTmpfs,
  pollingLoop,
  resolvePath,
  workdirOf,
} from "../facts.ts";
import type { Context, LoopCtx } from "../model.ts";
import { callsOf, commandsOf } from "../model.ts";
import type { Loc, Rule, RuleFinding } from "../types.ts";

/** Writing to flash more often than this, all day long, wears SD cards and eMMC out. */
const MIN_INTERVAL_SECONDS = 1;

function tight(loop: LoopCtx): string | undefined {
  if (!loop.sleeps) return "that never waits";
  if (loop.minSleepSeconds !== undefined && loop.minSleepSeconds < MIN_INTERVAL_SECONDS) {
    return `every ${loop.minSleepSeconds}s`;
  }
  return undefined;
}

export const flashWriteLoop: Rule = {
  id: "flash-write-loop",
  severity: "warning",
  title: "File on flash written in a tight loop",
  docs: "SD cards and eMMC survive a limited number of writes. A loop that writes a file on persistent storage many times a second wears the device's storage out in months. Keep hot data in memory or on a tmpfs and persist it in batches.",
  check(model) {
    const out: RuleFinding[] = [];
    for (const s of model.services) {
      const workdir = workdirOf(s);
      const check = (raw: string, loc: Loc, how: string, ctx: Context) => {
        const loop = pollingLoop(ctx);
        const why = loop && tight(loop);
        const path = resolvePath(raw, workdir);
        if (!why || !path || isPseudoPath(path) || isScratchPath(path) || onTmpfs(s, path)) return;
        out.push({
          message: `service "${s.name}" writes ${path} (${how}) in a loop ${why} (line ${loop.loc.line}); batch the writes or keep them on a tmpfs`,
          loc,
        });
      };
      for (const c of commandsOf(s)) {
        if (c.phase === "runtime") for (const w of commandWrites(c)) check(w.raw, w.loc, w.how, c);
      }
      for (const call of callsOf(s)) {
        for (const w of callWrites(call)) if (w.how !== "sqlite") check(w.raw, w.loc, w.how, call);
      }
    }
    return out;
  },
};
