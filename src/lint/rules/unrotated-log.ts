import {
  callWrites,
  commandWrites,
  isLogPath,
  isPseudoPath,
  onTmpfs,
  resolvePath,
  workdirOf,
} from "../facts.ts";
import type { ServiceModel } from "../model.ts";
import { callsOf, commandsOf } from "../model.ts";
import type { Rule, RuleFinding } from "../types.ts";

const ROTATORS = new Set(["logrotate", "svlogd", "multilog", "rotatelogs", "s6-log", "cronolog"]);

/** The service ships a log rotator: installs or runs logrotate & co, or copies its config. */
function rotates(s: ServiceModel): boolean {
  const cmds = commandsOf(s);
  if (
    cmds.some(
      (c) =>
        ROTATORS.has(c.name) || (c.phase === "build" && c.args.some((a) => ROTATORS.has(a.value))),
    )
  )
    return true;
  return s.dockerfiles.some((d) => d.copies.some((c) => c.dest.startsWith("/etc/logrotate")));
}

export const unrotatedLog: Rule = {
  id: "unrotated-log",
  severity: "warning",
  title: "Log file without rotation",
  docs: "A log file that only grows fills the data partition, and a full data partition stops updates and container restarts. Log to stdout/stderr, or rotate (logrotate, RotatingFileHandler), or keep logs on a size-limited tmpfs.",
  check(model) {
    const out: RuleFinding[] = [];
    for (const s of model.services) {
      if (rotates(s)) continue;
      const workdir = workdirOf(s);
      const report = (raw: string, loc: RuleFinding["loc"], how: string) => {
        const path = resolvePath(raw, workdir);
        if (!path || isPseudoPath(path) || onTmpfs(s, path) || !isLogPath(path)) return;
        out.push({
          message: `service "${s.name}" writes log file ${path} (${how}) with nothing rotating it; it grows until the disk is full`,
          loc,
        });
      };
      for (const c of commandsOf(s)) {
        if (c.phase !== "runtime") continue;
        for (const w of commandWrites(c))
          if (w.append || w.how === "redirect" || w.how === "tee") report(w.raw, w.loc, w.how);
      }
      for (const call of callsOf(s)) {
        for (const w of callWrites(call)) {
          if (w.log === "rotating") continue;
          if (w.log === "plain" || (w.append && w.how !== "sqlite")) report(w.raw, w.loc, w.how);
        }
      }
    }
    return out;
  },
};
