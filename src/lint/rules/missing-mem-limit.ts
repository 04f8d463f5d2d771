import type { Rule, RuleFinding } from "../types.ts";

export const missingMemLimit: Rule = {
  id: "missing-mem-limit",
  severity: "warning",
  title: "Service has no memory limit",
  docs: "Without mem_limit one leaking service can push the whole device into the kernel's OOM killer, which may pick the supervisor or the engine. Set mem_limit per service.",
  check(model) {
    const out: RuleFinding[] = [];
    for (const s of model.services) {
      if (!s.composeFile || s.memLimit) continue;
      out.push({
        message: `service "${s.name}" has no mem_limit; a leak in it can exhaust the device's memory`,
        loc: s.loc,
      });
    }
    return out;
  },
};
