import { HTTP_TOOLS, mentionsSupervisor } from "../facts.ts";
import type { Context, ScriptModel, ServiceModel } from "../model.ts";
import { commandsOf, runtimeScripts } from "../model.ts";
import type { Loc, Rule, RuleFinding } from "../types.ts";
import { POWER_CALL } from "./systemd-over-dbus.ts";

const POWER_COMMANDS = new Set(["reboot", "shutdown", "poweroff", "halt"]);
const POWER_VERBS = new Set(["reboot", "poweroff", "halt", "kexec"]);
const API = /\/v[12]\/(reboot|shutdown)\b/;
const DBUS_POWER =
  /(systemd1|login1)[\w.]*\.(Reboot|PowerOff|Halt|KExec)\b|\b(reboot|poweroff)\.target\b/;

/** The source names the host's systemd or logind somewhere in its string literals. */
function talksToHostPower(script: ScriptModel): boolean {
  return script.strings.some((str) => /org\.freedesktop\.(systemd1|login1)/.test(str.value));
}

function finding(s: ServiceModel, what: string, ctx: Context, loc: Loc): RuleFinding {
  const where = ctx.loops.length > 0 ? "inside a loop" : ctx.onErrorPath ? "on an error path" : "";
  if (!where)
    return {
      message: `service "${s.name}" ${what}; the OS watchdog and the supervisor already restart what fails`,
      loc,
    };
  return {
    message: `service "${s.name}" ${what} ${where}: if the condition persists after boot this becomes a reboot loop`,
    loc,
    severity: "error",
  };
}

export const deviceReboot: Rule = {
  id: "device-reboot",
  severity: "warning",
  title: "Container reboots or shuts down the device",
  docs: "Rebooting when something looks wrong turns a lasting fault into a reboot loop that nobody can reach. Let health checks and restart policies deal with failures; reboot only on a deliberate, rate-limited decision.",
  check(model) {
    const out: RuleFinding[] = [];
    for (const s of model.services) {
      for (const c of commandsOf(s)) {
        if (c.phase !== "runtime") continue;
        const args = c.args.map((a) => a.value);
        const text = args.join(" ");
        if (POWER_COMMANDS.has(c.name)) out.push(finding(s, `runs ${c.name}`, c, c.loc));
        else if (
          c.name === "systemctl" &&
          POWER_VERBS.has(args.find((a) => !a.startsWith("-")) ?? "")
        ) {
          out.push(finding(s, `runs systemctl ${args.find((a) => !a.startsWith("-"))}`, c, c.loc));
        } else if (HTTP_TOOLS.has(c.name) && API.test(text) && mentionsSupervisor(text)) {
          out.push(finding(s, `asks the supervisor API to ${API.exec(text)?.[1]}`, c, c.loc));
        } else if (/^(dbus-send|gdbus|busctl|qdbus)$/.test(c.name) && DBUS_POWER.test(text)) {
          out.push(finding(s, `reboots the host over D-Bus with ${c.name}`, c, c.loc));
        }
      }
      for (const script of runtimeScripts(s)) {
        let reported = false;
        for (const call of script.calls) {
          const text = [...call.args, ...Object.values(call.kwargs)].map((a) => a.value).join(" ");
          if (API.test(text) && mentionsSupervisor(text)) {
            out.push(
              finding(s, `asks the supervisor API to ${API.exec(text)?.[1]}`, call, call.loc),
            );
            reported = true;
          } else if (POWER_CALL.test(call.callee) && talksToHostPower(script)) {
            out.push(finding(s, `calls ${call.callee} on the host over D-Bus`, call, call.loc));
            reported = true;
          }
        }
        if (reported) continue;
        // A reboot URL built but sent by code we could not follow: report the string.
        for (const str of script.strings) {
          if (API.test(str.value) && mentionsSupervisor(str.value)) {
            out.push(
              finding(s, `builds a supervisor ${API.exec(str.value)?.[1]} request`, str, str.loc),
            );
          }
        }
      }
    }
    return out;
  },
};
