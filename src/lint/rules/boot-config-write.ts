import { posix } from "node:path";
import { BOOT_DIRS, callWrites, commandWrites, resolvePath, workdirOf } from "../facts.ts";
import { callsOf, commandsOf } from "../model.ts";
import type { Rule, RuleFinding } from "../types.ts";

/** Devices and labels of the boot partition, for `mount <dev> <dir>` in a script. */
const BOOT_DEVICE =
  /^(\/dev\/mmcblk\dp1|\/dev\/sda1|\/dev\/nvme\dn\dp1|\/dev\/disk\/by-label\/(resin|balena)-boot|LABEL=(resin|balena)-boot)$/;

export const bootConfigWrite: Rule = {
  id: "boot-config-write",
  severity: "error",
  title: "Container writes config.txt or config.json on the boot partition",
  docs: "config.json and config.txt decide whether the device boots and connects. A container editing them can leave a device that never comes back. Use configuration variables (BALENA_HOST_CONFIG_*) or the supervisor API instead.",
  check(model) {
    const out: RuleFinding[] = [];
    for (const s of model.services) {
      const workdir = workdirOf(s);
      const cmds = commandsOf(s).filter((c) => c.phase === "runtime");
      const bootDirs = [...BOOT_DIRS];
      for (const c of cmds) {
        if (c.name !== "mount") continue;
        const ops = c.args.filter((a) => !a.value.startsWith("-")).map((a) => a.value);
        if (ops.length >= 2 && BOOT_DEVICE.test(ops[0] ?? "")) bootDirs.push(ops.at(-1) ?? "");
      }
      const report = (raw: string, loc: RuleFinding["loc"], how: string) => {
        const path = resolvePath(raw, workdir);
        if (!path) return;
        const base = posix.basename(path);
        if (base !== "config.txt" && base !== "config.json") return;
        if (!bootDirs.some((d) => d && posix.dirname(path) === posix.normalize(d))) return;
        out.push({
          message: `service "${s.name}" writes ${path} (${how}) on the boot partition; a bad edit can stop the device from booting`,
          loc,
        });
      };
      for (const c of cmds) for (const w of commandWrites(c)) report(w.raw, w.loc, w.how);
      for (const call of callsOf(s)) for (const w of callWrites(call)) report(w.raw, w.loc, w.how);
    }
    return out;
  },
};
