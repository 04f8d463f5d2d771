import { commandsOf } from "../model.ts";
import type { Rule, RuleFinding } from "../types.ts";

const FIREWALL = new Set([
  "iptables",
  "ip6tables",
  "iptables-restore",
  "ip6tables-restore",
  "iptables-legacy",
  "iptables-nft",
  "nft",
  "ufw",
  "firewall-cmd",
  "ebtables",
]);

export const hostNetworkFirewall: Rule = {
  id: "host-network-firewall",
  severity: "error",
  title: "Firewall rules on the host network",
  docs: "A service on the host network that changes iptables/nftables (or holds NET_ADMIN) edits the device's own firewall and can cut the supervisor and the remote access tunnel off the network.",
  check(model) {
    const out: RuleFinding[] = [];
    for (const s of model.services) {
      if (!s.networkHost) continue;
      const fw = commandsOf(s).filter((c) => c.phase === "runtime" && FIREWALL.has(c.name));
      for (const c of fw) {
        out.push({
          message: `service "${s.name}" uses the host network and runs ${c.name}: its rules apply to the whole device and can block the supervisor or remote access`,
          loc: c.loc,
        });
      }
      for (const cap of s.capAdd) {
        if (cap.value !== "NET_ADMIN" && cap.value !== "ALL") continue;
        out.push({
          message: `service "${s.name}" has ${cap.value} on the host network: it can rewrite the device's firewall and routes`,
          loc: cap.loc,
          severity: fw.length > 0 ? "error" : "warning",
        });
      }
    }
    return out;
  },
};
