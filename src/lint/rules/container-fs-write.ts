import {
  callWrites,
  commandWrites,
  isBootPath,
  isPseudoPath,
  isScratchPath,
  isUnder,
  mountTargets,
  onNamedVolume,
  onTmpfs,
  resolvePath,
  workdirOf,
} from "../facts.ts";
import { callsOf, commandsOf } from "../model.ts";
import type { Rule, RuleFinding } from "../types.ts";

/** Environment variables that name where an app keeps its data. */
const DATA_VAR =
  /(DB|DATABASE|SQLITE|DATA|STORAGE|STATE|LOG|CACHE)_?(PATH|FILE|DIR|DIRECTORY|URL|URI)$/i;

export const containerFsWrite: Rule = {
  id: "container-fs-write",
  severity: "warning",
  title: "Data written to the container's filesystem",
  docs: "Files written outside a named volume vanish with the next release and cost more flash wear and space on the copy-on-write layer. Put databases, app state and logs on a named volume (or a tmpfs for scratch data).",
  check(model) {
    const out: RuleFinding[] = [];
    for (const s of model.services) {
      const workdir = workdirOf(s);
      const mounted = mountTargets(s);
      const report = (raw: string, loc: RuleFinding["loc"], how: string) => {
        const path = resolvePath(raw, workdir);
        if (!path || isPseudoPath(path) || isScratchPath(path) || isBootPath(path)) return;
        if (onNamedVolume(s, path) || onTmpfs(s, path) || mounted.some((d) => isUnder(path, d)))
          return;
        // Configuration rendered into /etc at start is regenerated on every start; udev
        // rules there are container-connectivity's finding.
        if (path.startsWith("/etc/")) return;
        // The host's root filesystem is host-os-write's.
        if (/^\/(mnt\/sysroot|mnt\/root|host\/root)\//.test(path)) return;
        out.push({
          message: `service "${s.name}" writes ${path} (${how}) outside any named volume: it is lost on update and wears the flash`,
          loc,
        });
      };
      for (const c of commandsOf(s)) {
        if (c.phase === "runtime") for (const w of commandWrites(c)) report(w.raw, w.loc, w.how);
      }
      for (const call of callsOf(s)) {
        for (const w of callWrites(call)) report(w.raw, w.loc, w.how);
      }
      const settings = [...s.environment, ...s.dockerfiles.flatMap((d) => [...d.env])];
      for (const [name, setting] of settings) {
        if (!DATA_VAR.test(name)) continue;
        const raw = setting.value.replace(/^sqlite:\/\/\//, "").replace(/^file:\/\//, "");
        if (!raw.startsWith("/")) continue;
        report(raw, setting.loc, name);
      }
    }
    return out;
  },
};
