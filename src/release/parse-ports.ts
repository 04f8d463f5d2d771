// `ports` (short "8080:80", "127.0.0.1:8080:80/udp", "[::1]:53:53/udp", equal-length ranges
// "8000-8001:80-81", and the long form) and `expose`.
import { isMap, type Node } from "yaml";
import type { PortMapping } from "./types.ts";
import {
  expected,
  fail,
  mapEntries,
  readInt,
  readString,
  seqItems,
  warn,
  type ReadCtx,
} from "./yaml-read.ts";

const SHORT_ACCEPTS =
  'a port like "80", "8080:80", "127.0.0.1:8080:80/udp" or "8000-8001:80-81", or a mapping with target';

export function parsePorts(ctx: ReadCtx, node: Node | null, path: string): PortMapping[] {
  const out: PortMapping[] = [];
  for (const item of seqItems(ctx, node, path) ?? []) {
    if (isMap(item.node)) {
      const long = parseLongPort(ctx, item.node, item.path);
      if (long) out.push(long);
      continue;
    }
    const text = readString(ctx, item.node, item.path, SHORT_ACCEPTS);
    if (text === undefined) continue;
    const parsed = parseShortPort(text);
    if (typeof parsed === "string")
      fail(ctx, item.node, item.path, `${parsed}; expected ${SHORT_ACCEPTS}`);
    else out.push(...parsed);
  }
  return out;
}

interface Range {
  start: number;
  end: number;
}

function parseRange(text: string): Range | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start < 1 || end > 65535 || end < start) return undefined;
  return { start, end };
}

/** Short syntax to mappings, or a message saying what is wrong. Pure. */
export function parseShortPort(text: string): PortMapping[] | string {
  let rest = text.trim();
  let protocol: "tcp" | "udp" = "tcp";
  const slash = rest.lastIndexOf("/");
  if (slash >= 0) {
    const proto = rest.slice(slash + 1).toLowerCase();
    if (proto !== "tcp" && proto !== "udp") return `protocol "${proto}" is not tcp or udp`;
    protocol = proto;
    rest = rest.slice(0, slash);
  }
  let hostIp: string | undefined;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]:");
    if (close < 0) return `"${text}" has an unclosed IPv6 address`;
    hostIp = rest.slice(1, close);
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(":");
  if (parts.length === 3 && hostIp === undefined) hostIp = parts.shift();
  if (parts.length > 2) return `"${text}" is not a port mapping`;
  const containerText = parts.pop() as string;
  const hostText = parts.pop();
  const container = parseRange(containerText);
  if (!container) return `"${containerText}" is not a port or port range (1-65535)`;
  const count = container.end - container.start + 1;
  if (hostText === undefined || hostText === "") {
    return Array.from({ length: count }, (_, i) =>
      mapping(container.start + i, undefined, hostIp, protocol),
    );
  }
  const host = parseRange(hostText);
  if (!host) return `"${hostText}" is not a port or port range (1-65535)`;
  if (host.end - host.start + 1 !== count)
    return `host range "${hostText}" and container range "${containerText}" differ in size`;
  return Array.from({ length: count }, (_, i) =>
    mapping(container.start + i, host.start + i, hostIp, protocol),
  );
}

function mapping(
  target: number,
  published: number | undefined,
  hostIp: string | undefined,
  protocol: "tcp" | "udp",
): PortMapping {
  const m: PortMapping = { target, protocol };
  if (published !== undefined) m.published = published;
  if (hostIp) m.hostIp = hostIp;
  return m;
}

const PORT = { min: 1, max: 65535 };

function parseLongPort(ctx: ReadCtx, node: Node, path: string): PortMapping | undefined {
  let target: number | undefined;
  let published: number | undefined;
  let hostIp: string | undefined;
  let protocol: "tcp" | "udp" = "tcp";
  let ok = true;
  for (const e of mapEntries(ctx, node, path) ?? []) {
    switch (e.key) {
      case "target":
        target = readInt(ctx, e.value, e.path, "a port number (1-65535)", PORT);
        ok &&= target !== undefined;
        break;
      case "published":
        published = readInt(ctx, e.value, e.path, "a port number (1-65535)", PORT);
        ok &&= published !== undefined;
        break;
      case "host_ip":
        hostIp = readString(ctx, e.value, e.path, "an IP address");
        break;
      case "protocol": {
        const p = readString(ctx, e.value, e.path, '"tcp" or "udp"')?.toLowerCase();
        if (p === "tcp" || p === "udp") protocol = p;
        else if (p !== undefined) {
          expected(ctx, e.value, e.path, '"tcp" or "udp"');
          ok = false;
        }
        break;
      }
      case "mode":
      case "name":
      case "app_protocol":
        break;
      default:
        warn(ctx, e.keyNode, e.path, "unknown field, ignored");
    }
  }
  if (target === undefined) {
    if (ok) fail(ctx, node, path, "a long-form port needs `target` (the container port)");
    return undefined;
  }
  return mapping(target, published, hostIp, protocol);
}

const EXPOSE = /^\d+(-\d+)?(\/(tcp|udp))?$/;

export function parseExpose(ctx: ReadCtx, node: Node | null, path: string): string[] {
  const out: string[] = [];
  for (const item of seqItems(ctx, node, path) ?? []) {
    const text = readString(ctx, item.node, item.path, 'a port like "3000" or "3000/udp"');
    if (text === undefined) continue;
    if (EXPOSE.test(text)) out.push(text);
    else expected(ctx, item.node, item.path, 'a port like "3000", "3000-3005" or "3000/udp"');
  }
  return out;
}
