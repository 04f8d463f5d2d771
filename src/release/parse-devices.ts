// `devices`: "/dev/x", "/dev/x:/dev/y", "/dev/x:/dev/y:rw", or {source, target, permissions}.
import { isMap, type Node } from "yaml";
import type { ServiceCtx } from "./service-ctx.ts";
import type { DeviceMapping } from "./types.ts";
import { expected, mapEntries, readString, seqItems, warn } from "./yaml-read.ts";

const DEVICE_ACCEPTS = 'a device like "/dev/ttyUSB0" or "/dev/ttyUSB0:/dev/ttyUSB0:rwm"';

export function parseDevices(s: ServiceCtx, node: Node | null, listPath: string): DeviceMapping[] {
  const out: DeviceMapping[] = [];
  for (const item of seqItems(s.read, node, listPath) ?? []) {
    let host: string | undefined;
    let container: string | undefined;
    let permissions: string | undefined;
    if (isMap(item.node)) {
      for (const e of mapEntries(s.read, item.node, item.path) ?? []) {
        if (e.key === "source") host = readString(s.read, e.value, e.path);
        else if (e.key === "target") container = readString(s.read, e.value, e.path);
        else if (e.key === "permissions") permissions = readString(s.read, e.value, e.path);
        else warn(s.read, e.keyNode, e.path, "unknown field, ignored");
      }
    } else {
      const text = readString(s.read, item.node, item.path, DEVICE_ACCEPTS);
      if (text === undefined) continue;
      if (!text.startsWith("/") && text.includes("=")) {
        warn(s.read, item.node, item.path, `CDI device "${text}" is not supported, ignored`);
        continue;
      }
      const parts = text.split(":");
      if (parts.length > 3) {
        expected(s.read, item.node, item.path, DEVICE_ACCEPTS);
        continue;
      }
      [host, container, permissions] = parts;
    }
    permissions ||= "rwm";
    container ||= host;
    if (!host?.startsWith("/") || !container?.startsWith("/") || !/^[rwm]+$/.test(permissions)) {
      expected(
        s.read,
        item.node,
        item.path,
        `${DEVICE_ACCEPTS} (absolute paths, permissions of r, w, m)`,
      );
      continue;
    }
    out.push({ pathOnHost: host, pathInContainer: container, permissions });
  }
  return out;
}
