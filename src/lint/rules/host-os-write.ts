import { posix } from "node:path";
import { callWrites, commandWrites, isUnder, resolvePath, workdirOf } from "../facts.ts";
import type { CommandFact } from "../model.ts";
import { callsOf, commandsOf } from "../model.ts";
import type { Rule, RuleFinding } from "../types.ts";

/** The host OS's root filesystem as a privileged container may reach it. */
const HOST_ROOTS = ["/mnt/sysroot", "/mnt/root", "/host/root"];
/** Root partitions of balenaOS (A/B) by label, and the usual device nodes. */
const ROOT_DEVICE =
  /^(\/dev\/mmcblk\dp[23]|\/dev\/sda[23]|\/dev\/nvme\dn\dp[23]|\/dev\/disk\/by-label\/(resin|balena)-root[AB]|LABEL=(resin|balena)-root[AB])$/;

function nsenterHost(c: CommandFact): boolean {
  const v = c.args.map((a) => a.value);
  return v.some(
    (a, i) =>
      ((a === "-t" || a === "--target") && v[i + 1] === "1") || a === "--target=1" || a === "-t1",
  );
}

export const hostOsWrite: Rule = {
  id: "host-os-write",
  severity: "error",
  title: "Container modifies the host OS",
  docs: "The host OS is replaced as a whole on host updates and is expected to be exactly what was released. Changing its files or running commands in its namespaces from a container leaves devices in states nobody tested. Ask for what you need through labels, configuration variables or the supervisor API.",
  check(model) {
    const out: RuleFinding[] = [];
    for (const s of model.services) {
      const workdir = workdirOf(s);
      const cmds = commandsOf(s).filter((c) => c.phase === "runtime");
      const roots = [...HOST_ROOTS];
      for (const c of cmds) {
        if (c.name === "nsenter" && nsenterHost(c)) {
          out.push({
            message: `service "${s.name}" runs commands in the host's namespaces with nsenter -t 1`,
            loc: c.loc,
          });
        } else if (c.name === "mount") {
          const ops = c.args.filter((a) => !a.value.startsWith("-")).map((a) => a.value);
          if (ops.length >= 2 && ROOT_DEVICE.test(ops[0] ?? "")) {
            out.push({
              message: `service "${s.name}" mounts the host's root partition (${ops[0]})`,
              loc: c.loc,
            });
            roots.push(posix.normalize(ops.at(-1) ?? ""));
          }
        }
      }
      const report = (raw: string, loc: RuleFinding["loc"], how: string) => {
        const path = resolvePath(raw, workdir);
        if (path && roots.some((r) => r !== "/" && isUnder(path, r))) {
          out.push({
            message: `service "${s.name}" writes ${path} (${how}) on the host's root filesystem`,
            loc,
          });
        }
      };
      for (const c of cmds) for (const w of commandWrites(c)) report(w.raw, w.loc, w.how);
      for (const call of callsOf(s)) for (const w of callWrites(call)) report(w.raw, w.loc, w.how);
    }
    return out;
  },
};
