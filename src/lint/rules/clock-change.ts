import { callsOf, commandsOf } from "../model.ts";
import type { CommandFact } from "../model.ts";
import type { Rule, RuleFinding } from "../types.ts";

const FIREWALL = new Set(["iptables", "ip6tables", "nft", "ufw"]);

/** Why a command changes the clock or blocks NTP, or undefined. */
function clockChange(c: CommandFact): string | undefined {
  const v = c.args.map((a) => a.value);
  switch (c.name) {
    case "date":
      if (
        v.some(
          (a) => a === "-s" || a === "--set" || a.startsWith("--set=") || /^-[a-zA-Z]*s$/.test(a),
        )
      )
        return "sets the system clock with date -s";
      if (v.some((a) => /^\d{8}(\d{2}){0,2}(\.\d{2})?$/.test(a)))
        return "sets the system clock with date MMDDhhmm";
      return undefined;
    case "hwclock":
      return v.some((a) => ["-w", "--systohc", "-s", "--hctosys", "--set"].includes(a))
        ? "rewrites the clock with hwclock"
        : undefined;
    case "timedatectl": {
      if (v[0] === "set-time") return "sets the clock with timedatectl set-time";
      if (v[0] === "set-ntp" && ["false", "0", "no", "off"].includes(v[1] ?? ""))
        return "turns NTP off with timedatectl set-ntp false";
      return undefined;
    }
    case "rdate":
    case "chronyc":
      return v.includes("-s") || v.includes("settime")
        ? `sets the clock with ${c.name}`
        : undefined;
    default:
      if (
        FIREWALL.has(c.name) &&
        v.some((a) => a === "123" || a === "ntp") &&
        v.some((a) => /^(DROP|REJECT|drop|reject|deny)$/.test(a))
      ) {
        return "blocks NTP (port 123) in the firewall";
      }
      return undefined;
  }
}

export const clockChangeRule: Rule = {
  id: "clock-change",
  severity: "error",
  title: "Container changes the system clock or blocks NTP",
  docs: "The device proves who it talks to with TLS, and TLS needs a correct clock. Setting the time by hand, turning NTP off or blocking it can lock the device out of the cloud. Let the OS keep time.",
  check(model) {
    const out: RuleFinding[] = [];
    for (const s of model.services) {
      for (const c of commandsOf(s)) {
        if (c.phase !== "runtime") continue;
        const why = clockChange(c);
        if (why)
          out.push({
            message: `service "${s.name}" ${why}; a wrong clock breaks TLS to the cloud`,
            loc: c.loc,
          });
      }
      for (const call of callsOf(s)) {
        if (/(^|\.)clock_settime$|(^|\.)settimeofday$/.test(call.callee)) {
          out.push({
            message: `service "${s.name}" sets the system clock with ${call.callee}`,
            loc: call.loc,
          });
        }
      }
      for (const cap of s.capAdd) {
        if (cap.value === "SYS_TIME") {
          out.push({
            message: `service "${s.name}" adds SYS_TIME, which lets it change the device clock`,
            loc: cap.loc,
            severity: "warning",
          });
        }
      }
    }
    return out;
  },
};
