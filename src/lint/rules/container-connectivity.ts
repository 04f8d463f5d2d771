import { commandWrites, resolvePath, workdirOf } from "../facts.ts";
import { commandsOf } from "../model.ts";
import type { Rule, RuleFinding } from "../types.ts";

const UDEV_RULES = /^\/(etc|lib|usr\/lib)\/udev\/rules\.d(\/|$)/;

export const containerConnectivity: Rule = {
  id: "container-connectivity",
  severity: "warning",
  title: "Connectivity brought up by a container",
  docs: "A kernel module loaded or a udev rule installed by a container (for a Wi-Fi dongle, a modem) only exists while that container runs: if it fails to start after an update, the device is offline and cannot receive the fix. Configure connectivity in the OS image or config.",
  check(model) {
    const out: RuleFinding[] = [];
    for (const s of model.services) {
      const workdir = workdirOf(s);
      for (const c of commandsOf(s)) {
        if (c.phase === "runtime" && (c.name === "modprobe" || c.name === "insmod")) {
          if (c.args.some((a) => a.value === "-r" || a.value === "--remove")) continue;
          const mod = c.args.find((a) => !a.value.startsWith("-"))?.value ?? "a module";
          out.push({
            message: `service "${s.name}" loads kernel module ${mod} with ${c.name}; if this brings up networking, the device goes offline whenever the container does not start`,
            loc: c.loc,
          });
          continue;
        }
        for (const w of commandWrites(c)) {
          const path = resolvePath(w.raw, workdir);
          if (path && UDEV_RULES.test(path)) {
            out.push({
              message: `service "${s.name}" installs a udev rule (${path}) from a container; connectivity that depends on it is lost whenever the container does not start`,
              loc: w.loc,
            });
          }
        }
      }
      for (const df of s.dockerfiles) {
        for (const copy of df.copies) {
          if (UDEV_RULES.test(copy.dest)) {
            out.push({
              message: `service "${s.name}" copies udev rules into ${copy.dest}; they only apply while this container runs`,
              loc: copy.loc,
            });
          }
        }
      }
    }
    return out;
  },
};
