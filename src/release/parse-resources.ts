// Top-level `volumes` and `networks`: the release-owned engine objects services refer to.
import type { Node } from "yaml";
import type { NetworkSpec, VolumeSpec } from "./types.ts";
import {
  expected,
  isNullish,
  mapEntries,
  readBool,
  readKeyValues,
  readString,
  seqItems,
  warn,
  type ReadCtx,
} from "./yaml-read.ts";
import { isIpv4 } from "./parse-networking.ts";

const RESOURCE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function checkName(ctx: ReadCtx, name: string, keyNode: Node, path: string): boolean {
  if (RESOURCE_NAME.test(name)) return true;
  expected(ctx, keyNode, path, "a name of letters, digits, '_', '.' and '-'");
  return false;
}

export function parseVolumeDecls(
  ctx: ReadCtx,
  node: Node | null,
  path: string,
): Record<string, VolumeSpec> {
  const out: Record<string, VolumeSpec> = {};
  for (const e of mapEntries(ctx, node, path, "a mapping of volume name to settings") ?? []) {
    if (!checkName(ctx, e.key, e.keyNode, e.path)) continue;
    const vol: VolumeSpec = { name: e.key, driver: "local", driverOpts: {}, labels: {} };
    out[e.key] = vol;
    if (isNullish(e.value)) continue;
    for (const f of mapEntries(ctx, e.value, e.path) ?? []) {
      if (f.key === "driver")
        vol.driver = readString(ctx, f.value, f.path, "a volume driver name") ?? vol.driver;
      else if (f.key === "driver_opts") vol.driverOpts = readKeyValues(ctx, f.value, f.path) ?? {};
      else if (f.key === "labels") vol.labels = readKeyValues(ctx, f.value, f.path) ?? {};
      else if (f.key === "external")
        warn(
          ctx,
          f.keyNode,
          f.path,
          `external volumes are not supported; "${e.key}" is created and managed as a release volume`,
        );
      else if (f.key === "name")
        warn(
          ctx,
          f.keyNode,
          f.path,
          "custom engine names are not supported; the app name prefixes the volume",
        );
      else if (!f.key.startsWith("x-"))
        warn(ctx, f.keyNode, f.path, "unknown volume field, ignored");
    }
  }
  return out;
}

export function parseNetworkDecls(
  ctx: ReadCtx,
  node: Node | null,
  path: string,
): Record<string, NetworkSpec> {
  const out: Record<string, NetworkSpec> = {};
  for (const e of mapEntries(ctx, node, path, "a mapping of network name to settings") ?? []) {
    if (!checkName(ctx, e.key, e.keyNode, e.path)) continue;
    const net: NetworkSpec = {
      name: e.key,
      driver: "bridge",
      driverOpts: {},
      labels: {},
      internal: false,
    };
    out[e.key] = net;
    if (isNullish(e.value)) continue;
    for (const f of mapEntries(ctx, e.value, e.path) ?? []) {
      if (f.key === "driver")
        net.driver = readString(ctx, f.value, f.path, "a network driver name") ?? net.driver;
      else if (f.key === "driver_opts") net.driverOpts = readKeyValues(ctx, f.value, f.path) ?? {};
      else if (f.key === "labels") net.labels = readKeyValues(ctx, f.value, f.path) ?? {};
      else if (f.key === "internal") net.internal = readBool(ctx, f.value, f.path) ?? false;
      else if (f.key === "ipam") parseIpam(ctx, f.value, f.path, net);
      else if (f.key === "external")
        warn(
          ctx,
          f.keyNode,
          f.path,
          `external networks are not supported; "${e.key}" is created and managed as a release network`,
        );
      else if (f.key === "name")
        warn(
          ctx,
          f.keyNode,
          f.path,
          "custom engine names are not supported; the app name prefixes the network",
        );
      else if (f.key === "enable_ipv6" || f.key === "attachable")
        warn(ctx, f.keyNode, f.path, "not supported yet, ignored");
      else if (!f.key.startsWith("x-"))
        warn(ctx, f.keyNode, f.path, "unknown network field, ignored");
    }
  }
  return out;
}

const CIDR = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/;

function parseIpam(ctx: ReadCtx, node: Node | null, path: string, net: NetworkSpec): void {
  for (const e of mapEntries(ctx, node, path) ?? []) {
    if (e.key === "driver") {
      const driver = readString(ctx, e.value, e.path, "an IPAM driver name");
      if (driver !== undefined && driver !== "default")
        warn(ctx, e.value, e.path, "only the default IPAM driver is supported");
    } else if (e.key === "config") {
      const items = seqItems(ctx, e.value, e.path, "a list of {subnet, gateway}") ?? [];
      if (items.length > 1)
        warn(ctx, items[1]?.node, items[1]?.path ?? e.path, "only the first IPAM config is used");
      const first = items[0];
      if (!first) continue;
      const ipam: { subnet?: string; gateway?: string } = {};
      for (const f of mapEntries(ctx, first.node, first.path) ?? []) {
        const value = readString(ctx, f.value, f.path);
        if (value === undefined) continue;
        if (f.key === "subnet") {
          const m = CIDR.exec(value);
          if (m && isIpv4(m[1] as string) && Number(m[2]) <= 32) ipam.subnet = value;
          else expected(ctx, f.value, f.path, "an IPv4 subnet like 172.20.0.0/16");
        } else if (f.key === "gateway") {
          if (isIpv4(value)) ipam.gateway = value;
          else expected(ctx, f.value, f.path, "an IPv4 address like 172.20.0.1");
        } else warn(ctx, f.keyNode, f.path, "not supported, ignored");
      }
      net.ipam = ipam;
    } else if (e.key !== "options") warn(ctx, e.keyNode, e.path, "unknown ipam field, ignored");
  }
}
