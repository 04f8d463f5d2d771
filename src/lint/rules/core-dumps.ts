import { callsOf, commandsOf } from "../model.ts";
import type { Rule, RuleFinding } from "../types.ts";

function nonZero(v: string | undefined): boolean {
  return v !== undefined && v !== "" && v !== "0";
}

export const coreDumps: Rule = {
  id: "core-dumps",
  severity: "warning",
  title: "Core dumps enabled",
  docs: "A crashing process that dumps core writes as much as its memory to the data partition on every crash; under a restart policy that repeats until the disk is full. Leave core dumps off on devices.",
  check(model) {
    const out: RuleFinding[] = [];
    for (const s of model.services) {
      for (const c of commandsOf(s)) {
        if (c.phase !== "runtime") continue;
        const v = c.args.map((a) => a.value);
        if (c.name === "ulimit") {
          const i = v.findIndex((a) => /^-[a-zA-Z]*c$/.test(a));
          if (i >= 0 && nonZero(v[i + 1]))
            out.push({
              message: `service "${s.name}" enables core dumps (ulimit -c ${v[i + 1]})`,
              loc: c.loc,
            });
        } else if (c.name === "sysctl" && v.some((a) => /^kernel\.core_pattern=/.test(a))) {
          out.push({
            message: `service "${s.name}" changes kernel.core_pattern for the whole device`,
            loc: c.loc,
          });
        }
        for (const r of c.redirects) {
          if (/^\/proc\/sys\/kernel\/core_(pattern|uses_pid)$/.test(r.target.value)) {
            out.push({
              message: `service "${s.name}" writes ${r.target.value}, the device-wide core dump setting`,
              loc: r.target.loc,
            });
          }
        }
      }
      for (const call of callsOf(s)) {
        if (
          /(^|\.)setrlimit$/.test(call.callee) &&
          /RLIMIT_CORE/.test(call.args[0]?.text ?? "") &&
          !/^\(\s*0\s*,\s*0\s*\)$/.test(call.args[1]?.text ?? "")
        ) {
          out.push({
            message: `service "${s.name}" raises RLIMIT_CORE, enabling core dumps`,
            loc: call.loc,
          });
        }
      }
      const core = s.ulimits.get("core");
      if (core && nonZero(core.value))
        out.push({
          message: `service "${s.name}" allows core dumps (ulimits.core = ${core.value})`,
          loc: core.loc,
        });
      const pattern = s.sysctls.get("kernel.core_pattern");
      if (pattern)
        out.push({ message: `service "${s.name}" sets kernel.core_pattern`, loc: pattern.loc });
    }
    return out;
  },
};
