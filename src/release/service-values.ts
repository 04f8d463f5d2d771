// Readers for service values that need more than a type check: byte sizes, durations,
// commands (shell-split strings), ulimits and logging.
import { isScalar, type Node } from "yaml";
import type { ServiceCtx } from "./service-ctx.ts";
import { shellSplit } from "./shell-split.ts";
import type { Ulimit } from "./types.ts";
import { BYTE_SIZE_ACCEPTS, DURATION_ACCEPTS, parseByteSize, parseDuration } from "./units.ts";
import {
  expected,
  fail,
  isNullish,
  mapEntries,
  readInt,
  readKeyValues,
  readString,
  readStringList,
  warn,
  type ReadCtx,
} from "./yaml-read.ts";

export function readDuration(ctx: ReadCtx, node: Node | null, path: string): number | undefined {
  const v = isScalar(node) ? node.value : undefined;
  const ms = typeof v === "string" ? parseDuration(v) : v === 0 ? 0 : undefined;
  if (ms === undefined) expected(ctx, node, path, DURATION_ACCEPTS);
  return ms;
}

export function readBytes(ctx: ReadCtx, node: Node | null, path: string): number | undefined {
  const v = isScalar(node) ? node.value : undefined;
  const n = typeof v === "string" || typeof v === "number" ? parseByteSize(v) : undefined;
  if (n === undefined) expected(ctx, node, path, BYTE_SIZE_ACCEPTS);
  return n;
}

export function readCommand(ctx: ReadCtx, node: Node | null, path: string): string[] | undefined {
  if (isScalar(node) && typeof node.value === "string") {
    const split = shellSplit(node.value);
    if (split.ok) return split.words;
    fail(ctx, node, path, `cannot split "${node.value}" into words: ${split.error}`);
    return undefined;
  }
  return readStringList(ctx, node, path, { accepts: "a command string or a list of strings" });
}

export function readUlimits(ctx: ReadCtx, node: Node | null, path: string): Record<string, Ulimit> {
  const out: Record<string, Ulimit> = {};
  const accepts = "a whole number or {soft, hard}";
  for (const e of mapEntries(
    ctx,
    node,
    path,
    "a mapping of limit name to a number or {soft, hard}",
  ) ?? []) {
    if (isScalar(e.value)) {
      const n = readInt(ctx, e.value, e.path, accepts, { min: -1 });
      if (n !== undefined) out[e.key] = { soft: n, hard: n };
      continue;
    }
    const fields = mapEntries(ctx, e.value, e.path, accepts);
    if (!fields) continue;
    const limit: Partial<Ulimit> = {};
    for (const f of fields) {
      if (f.key === "soft" || f.key === "hard")
        limit[f.key] = readInt(ctx, f.value, f.path, "a whole number", { min: -1 });
      else warn(ctx, f.keyNode, f.path, "unknown ulimit field, ignored");
    }
    const given = new Set(fields.map((f) => f.key));
    if (!given.has("soft") || !given.has("hard"))
      fail(ctx, e.value, e.path, "a ulimit needs both soft and hard");
    else if (limit.soft !== undefined && limit.hard !== undefined)
      out[e.key] = { soft: limit.soft, hard: limit.hard };
  }
  return out;
}

export function readLogging(s: ServiceCtx, node: Node | null, path: string): void {
  let driver: string | undefined;
  let options: Record<string, string> = {};
  for (const e of mapEntries(s.read, node, path) ?? []) {
    if (e.key === "driver") driver = readString(s.read, e.value, e.path, "a log driver name");
    else if (e.key === "options")
      options = isNullish(e.value) ? {} : (readKeyValues(s.read, e.value, e.path) ?? {});
    else warn(s.read, e.keyNode, e.path, "unknown logging field, ignored");
  }
  s.spec.logging = { driver: driver ?? "json-file", options };
}
