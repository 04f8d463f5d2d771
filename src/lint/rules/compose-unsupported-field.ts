import { isMap, isScalar } from "yaml";
import { isMergeKey, nodeLoc, pairLoc } from "../compose.ts";
import type { Rule, RuleFinding } from "../types.ts";

/** Service fields the balena supervisor implements (compose file format 2.4 subset). */
const SUPPORTED = new Set([
  "build",
  "cap_add",
  "cap_drop",
  "cgroup_parent",
  "command",
  "cpu_shares",
  "cpu_quota",
  "cpuset",
  "devices",
  "depends_on",
  "dns",
  "dns_opt",
  "dns_search",
  "domainname",
  "entrypoint",
  "environment",
  "expose",
  "extra_hosts",
  "group_add",
  "healthcheck",
  "hostname",
  "image",
  "ipc",
  "labels",
  "mac_address",
  "mem_limit",
  "mem_reservation",
  "network_mode",
  "networks",
  "oom_kill_disable",
  "oom_score_adj",
  "pid",
  "pids_limit",
  "ports",
  "privileged",
  "read_only",
  "restart",
  "security_opt",
  "shm_size",
  "stop_grace_period",
  "stop_signal",
  "sysctls",
  "tmpfs",
  "ulimits",
  "user",
  "userns_mode",
  "volumes",
  "working_dir",
]);
/** Fields a device rejects outright or that break the supervisor's bookkeeping. */
const REJECTED = new Set(["container_name"]);
const TOP_LEVEL = new Set(["version", "services", "volumes", "networks"]);
const NETWORK_MODES = /^(bridge|host|none|service:.+)$/;

export const composeUnsupportedField: Rule = {
  id: "compose-unsupported-field",
  severity: "warning",
  title: "Compose field balena does not support",
  docs: "The device supervisor implements a subset of compose 2.4: some fields are ignored, container_name and bind mounts are refused. Remove them, or use named volumes and balena labels.",
  check(model) {
    const compose = model.compose;
    if (!compose) return [];
    const { file, doc } = compose;
    const out: RuleFinding[] = [];
    if (isMap(doc.contents)) {
      for (const p of doc.contents.items) {
        const key = isScalar(p.key) ? String(p.key.value) : "";
        if (!TOP_LEVEL.has(key) && !key.startsWith("x-")) {
          out.push({
            message: `top-level "${key}" is not supported by balena and is ignored or rejected`,
            loc: pairLoc(file, p),
          });
        }
      }
    }
    const services = doc.get("services", true);
    if (!isMap(services)) return out;
    for (const sp of services.items) {
      if (!isScalar(sp.key) || !isMap(sp.value)) continue;
      const name = String(sp.key.value);
      for (const p of sp.value.items) {
        if (isMergeKey(p.key)) continue;
        const key = isScalar(p.key) ? String(p.key.value) : "";
        if (key.startsWith("x-")) continue;
        if (REJECTED.has(key)) {
          out.push({
            message: `service "${name}": ${key} is refused by balena (the supervisor names containers itself)`,
            loc: pairLoc(file, p),
            severity: "error",
          });
        } else if (!SUPPORTED.has(key)) {
          out.push({
            message: `service "${name}": "${key}" is not supported by balena and is ignored or rejected`,
            loc: pairLoc(file, p),
          });
        } else if (
          key === "network_mode" &&
          isScalar(p.value) &&
          !NETWORK_MODES.test(String(p.value.value))
        ) {
          out.push({
            message: `service "${name}": network_mode "${String(p.value.value)}" is not supported (bridge, host, none or service:<name>)`,
            loc: nodeLoc(file, p.value),
          });
        } else if (key === "depends_on" && isMap(p.value)) {
          for (const dp of p.value.items) {
            const cond = isMap(dp.value) ? dp.value.get("condition") : undefined;
            if (cond !== undefined && cond !== "service_started") {
              out.push({
                message: `service "${name}": depends_on condition "${String(cond)}" is not supported; balena only waits for service_started`,
                loc: pairLoc(file, dp),
              });
            }
          }
        }
      }
    }
    for (const s of model.services) {
      for (const m of s.mounts) {
        if (m.kind === "bind") {
          out.push({
            message: `service "${s.name}": bind mount "${m.source ?? ""}:${m.target}" is refused by balena; use a named volume or an io.balena.features.* label`,
            loc: m.loc,
            severity: "error",
          });
        }
      }
    }
    return out;
  },
};
