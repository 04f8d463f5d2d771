// `network_mode`, `networks` (list or map with aliases / ipv4_address), `dns`, `extra_hosts`.
import { isMap, isScalar, isSeq, type Node } from "yaml";
import type { ServiceCtx } from "./service-ctx.ts";
import type { ServiceNetwork } from "./types.ts";
import {
  expected,
  isNullish,
  mapEntries,
  readString,
  readStringList,
  seqItems,
  warn,
  type ReadCtx,
} from "./yaml-read.ts";

const NETWORK_MODE_ACCEPTS = '"host", "none", "bridge", "service:<name>" or "container:<id>"';

export function parseNetworkMode(
  s: ServiceCtx,
  node: Node | null,
  path: string,
): string | undefined {
  const mode = readString(s.read, node, path, NETWORK_MODE_ACCEPTS);
  if (mode === undefined) return undefined;
  if (mode === "host" || mode === "none" || mode === "bridge") return mode;
  const m = /^(service|container):(.+)$/.exec(mode);
  if (!m) {
    expected(s.read, node, path, NETWORK_MODE_ACCEPTS);
    return undefined;
  }
  if (m[1] === "service")
    s.refs.push({
      kind: "service",
      name: m[2] as string,
      from: s.spec.name,
      node,
      path,
      dependency: true,
    });
  return mode;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isIpv4(text: string): boolean {
  const m = IPV4.exec(text);
  return m !== null && m.slice(1).every((p) => Number(p) <= 255);
}

export function parseServiceNetworks(
  s: ServiceCtx,
  node: Node | null,
  path: string,
): Record<string, ServiceNetwork> {
  const out: Record<string, ServiceNetwork> = {};
  const use = (name: string, at: Node | null, p: string) => {
    s.refs.push({ kind: "network", name, from: s.spec.name, node: at, path: p, dependency: false });
    out[name] = { aliases: [] };
    return out[name];
  };
  if (isSeq(node)) {
    for (const item of seqItems(s.read, node, path) ?? []) {
      const name = readString(s.read, item.node, item.path, "a network name");
      if (name !== undefined) use(name, item.node, item.path);
    }
    return out;
  }
  for (const e of mapEntries(
    s.read,
    node,
    path,
    "a list of network names or a mapping of network name to settings",
  ) ?? []) {
    const net = use(e.key, e.keyNode, e.path);
    if (isNullish(e.value)) continue;
    for (const f of mapEntries(s.read, e.value, e.path) ?? []) {
      if (f.key === "aliases") net.aliases = readStringList(s.read, f.value, f.path) ?? [];
      else if (f.key === "ipv4_address") {
        const ip = readString(s.read, f.value, f.path, "an IPv4 address like 172.20.0.5");
        if (ip !== undefined && isIpv4(ip)) net.ipv4Address = ip;
        else if (ip !== undefined)
          expected(s.read, f.value, f.path, "an IPv4 address like 172.20.0.5");
      } else if (f.key === "priority" || f.key === "gw_priority") continue;
      else warn(s.read, f.keyNode, f.path, "not supported, ignored");
    }
  }
  return out;
}

const HOST_ACCEPTS = 'a list of "host:ip" / "host=ip" strings or a mapping of host to ip';

/** extra_hosts, normalised to "host:ip" strings. */
export function parseExtraHosts(ctx: ReadCtx, node: Node | null, path: string): string[] {
  const out: string[] = [];
  if (isMap(node)) {
    for (const e of mapEntries(ctx, node, path) ?? []) {
      const ips = isSeq(e.value)
        ? readStringList(ctx, e.value, e.path)
        : [readString(ctx, e.value, e.path, "an IP address")];
      for (const ip of ips ?? []) if (ip !== undefined) out.push(`${e.key}:${ip}`);
    }
    return out;
  }
  for (const item of seqItems(ctx, node, path, HOST_ACCEPTS) ?? []) {
    const text = readString(ctx, item.node, item.path, '"host:ip" or "host=ip"');
    if (text === undefined) continue;
    const m = /^([^:=\s]+)[:=](.+)$/.exec(text);
    if (m) out.push(`${m[1]}:${m[2]}`);
    else expected(ctx, item.node, item.path, '"host:ip" or "host=ip"');
  }
  return out;
}

export function parseDns(ctx: ReadCtx, node: Node | null, path: string): string[] {
  if (isScalar(node))
    return (
      readStringList(ctx, node, path, {
        single: true,
        accepts: "an IP address or a list of them",
      }) ?? []
    );
  return readStringList(ctx, node, path, { accepts: "an IP address or a list of them" }) ?? [];
}
