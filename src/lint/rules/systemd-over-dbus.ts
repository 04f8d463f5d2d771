import { labelOn } from "../facts.ts";
import { commandsOf, runtimeScripts } from "../model.ts";
import type { ServiceModel } from "../model.ts";
import type { Rule, RuleFinding } from "../types.ts";

const DBUS_TOOLS = new Set(["dbus-send", "gdbus", "busctl", "qdbus", "dbus-monitor"]);
const MUTATING = new Set([
  "start",
  "stop",
  "restart",
  "reload",
  "try-restart",
  "reload-or-restart",
  "enable",
  "disable",
  "mask",
  "unmask",
  "kill",
  "isolate",
  "set-property",
  "daemon-reload",
  "edit",
  "link",
  "preset",
  "reset-failed",
  "set-default",
]);
/** Reboot/power methods are reported by device-reboot instead. */
const POWER =
  /\.(Reboot|PowerOff|Halt|KExec|Suspend|Hibernate)\b|\b(reboot|poweroff|halt|kexec)\.target\b/;

export const POWER_CALL = /(^|\.)(Reboot|PowerOff|Halt|KExec)$/;

function hostBus(s: ServiceModel): boolean {
  const env = s.environment.get("DBUS_SYSTEM_BUS_ADDRESS")?.value ?? "";
  const dfEnv = s.dockerfiles
    .map((d) => d.env.get("DBUS_SYSTEM_BUS_ADDRESS")?.value ?? "")
    .join(" ");
  return (
    labelOn(s, "io.balena.features.dbus") ||
    labelOn(s, "io.resin.features.dbus") ||
    /\/host\/run\/dbus/.test(env + dfEnv)
  );
}

export const systemdOverDbus: Rule = {
  id: "systemd-over-dbus",
  severity: "warning",
  title: "Container drives the host's systemd over D-Bus",
  docs: "Starting, stopping or masking host units from a container can take down networking, the engine or the supervisor. Guard such calls carefully or use the supervisor API.",
  check(model) {
    const out: RuleFinding[] = [];
    for (const s of model.services) {
      for (const c of commandsOf(s)) {
        if (c.phase !== "runtime") continue;
        const text = c.args.map((a) => a.value).join(" ");
        if (
          DBUS_TOOLS.has(c.name) &&
          text.includes("org.freedesktop.systemd1") &&
          !POWER.test(text)
        ) {
          out.push({
            message: `service "${s.name}" calls the host's systemd over D-Bus with ${c.name}`,
            loc: c.loc,
          });
        } else if (c.name === "systemctl" && hostBus(s)) {
          const verb = c.args.find((a) => !a.value.startsWith("-"))?.value ?? "";
          if (MUTATING.has(verb)) {
            out.push({
              message: `service "${s.name}" runs "systemctl ${verb}" against the host's systemd (host D-Bus is mounted)`,
              loc: c.loc,
            });
          }
        }
      }
      const lines = new Set<string>();
      for (const script of runtimeScripts(s)) {
        // A script whose D-Bus use is a reboot is device-reboot's business.
        if (script.calls.some((c) => POWER_CALL.test(c.callee))) continue;
        for (const str of script.strings) {
          const key = `${str.loc.file}:${str.loc.line}`;
          if (
            !str.value.includes("org.freedesktop.systemd1") ||
            POWER.test(str.value) ||
            lines.has(key)
          )
            continue;
          lines.add(key);
          out.push({
            message: `service "${s.name}" addresses the host's systemd (org.freedesktop.systemd1) over D-Bus`,
            loc: str.loc,
          });
        }
      }
    }
    return out;
  },
};
