// `healthcheck`: test as a string (run by a shell) or a list starting with CMD, CMD-SHELL or
// NONE; durations; retries; `disable: true`. Without `test` the image's own check is kept
// (test = [], as the engine API reads it).
import { isScalar, type Node } from "yaml";
import type { Healthcheck } from "./types.ts";
import { readDuration } from "./service-values.ts";
import {
  expected,
  mapEntries,
  readBool,
  readInt,
  readStringList,
  warn,
  type ReadCtx,
} from "./yaml-read.ts";

const TEST_ACCEPTS = 'a command string or a list starting with "CMD", "CMD-SHELL" or "NONE"';

export function parseHealthcheck(
  ctx: ReadCtx,
  node: Node | null,
  path: string,
): Healthcheck | undefined {
  const check: Healthcheck = { test: [] };
  let disabled = false;
  for (const e of mapEntries(ctx, node, path) ?? []) {
    switch (e.key) {
      case "test":
        check.test = parseTest(ctx, e.value, e.path) ?? [];
        break;
      case "disable":
        disabled = readBool(ctx, e.value, e.path) ?? false;
        break;
      case "interval":
        check.intervalMs = readDuration(ctx, e.value, e.path);
        break;
      case "timeout":
        check.timeoutMs = readDuration(ctx, e.value, e.path);
        break;
      case "start_period":
        check.startPeriodMs = readDuration(ctx, e.value, e.path);
        break;
      case "retries":
        check.retries = readInt(ctx, e.value, e.path, "a whole number of retries (0 or more)", {
          min: 0,
        });
        break;
      case "start_interval":
        warn(ctx, e.keyNode, e.path, "not supported yet, ignored");
        break;
      default:
        warn(ctx, e.keyNode, e.path, "unknown healthcheck field, ignored");
    }
  }
  for (const k of ["intervalMs", "timeoutMs", "startPeriodMs", "retries"] as const) {
    if (check[k] === undefined) delete check[k];
  }
  return disabled ? { test: ["NONE"] } : check;
}

function parseTest(ctx: ReadCtx, node: Node | null, path: string): string[] | undefined {
  if (isScalar(node) && typeof node.value === "string") {
    if (node.value.trim() === "") {
      expected(ctx, node, path, TEST_ACCEPTS);
      return undefined;
    }
    return ["CMD-SHELL", node.value];
  }
  const list = readStringList(ctx, node, path, { accepts: TEST_ACCEPTS });
  if (list === undefined) return undefined;
  const [kind] = list;
  const ok =
    (kind === "CMD" && list.length > 1) ||
    (kind === "CMD-SHELL" && list.length === 2) ||
    (kind === "NONE" && list.length === 1);
  if (!ok) {
    expected(ctx, node, path, TEST_ACCEPTS);
    return undefined;
  }
  return list;
}
