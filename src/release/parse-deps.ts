// `depends_on` (list = service_started, or map with condition) and `restart`.
import { isScalar, isSeq, type Node } from "yaml";
import type { ServiceCtx } from "./service-ctx.ts";
import type { DependsOnCondition, RestartPolicy } from "./types.ts";
import { expected, isNullish, mapEntries, readString, seqItems, warn } from "./yaml-read.ts";

const CONDITIONS: readonly DependsOnCondition[] = [
  "service_started",
  "service_healthy",
  "service_completed_successfully",
];
const CONDITION_ACCEPTS = CONDITIONS.join(", ");

export function parseDependsOn(s: ServiceCtx, node: Node | null, at: string): void {
  const add = (name: string, condition: DependsOnCondition, refNode: Node | null, p: string) => {
    s.spec.dependsOn[name] = { condition };
    s.refs.push({
      kind: "service",
      name,
      from: s.spec.name,
      node: refNode,
      path: p,
      dependency: true,
    });
  };
  if (isSeq(node)) {
    for (const item of seqItems(s.read, node, at) ?? []) {
      const name = readString(s.read, item.node, item.path, "a service name");
      if (name !== undefined) add(name, "service_started", item.node, item.path);
    }
    return;
  }
  for (const e of mapEntries(
    s.read,
    node,
    at,
    "a list of service names or a mapping of service name to {condition}",
  ) ?? []) {
    let condition: DependsOnCondition = "service_started";
    if (!isNullish(e.value)) {
      for (const f of mapEntries(s.read, e.value, e.path, "a mapping with condition") ?? []) {
        if (f.key === "condition") {
          const c = readString(s.read, f.value, f.path, CONDITION_ACCEPTS);
          if (c !== undefined && (CONDITIONS as readonly string[]).includes(c))
            condition = c as DependsOnCondition;
          else if (c !== undefined) expected(s.read, f.value, f.path, CONDITION_ACCEPTS);
        } else if (f.key !== "restart" && f.key !== "required") {
          warn(s.read, f.keyNode, f.path, "unknown depends_on field, ignored");
        }
      }
    }
    add(e.key, condition, e.keyNode, e.path);
  }
}

const RESTART_ACCEPTS = '"no", "always", "on-failure", "on-failure:<retries>" or "unless-stopped"';

export function parseRestart(s: ServiceCtx, node: Node | null, at: string): void {
  if (isScalar(node) && node.value === false) {
    s.spec.restart = "no";
    return;
  }
  const text = readString(s.read, node, at, RESTART_ACCEPTS);
  if (text === undefined) return;
  const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(text);
  if (!m || (m[2] !== undefined && m[1] !== "on-failure")) {
    expected(s.read, node, at, RESTART_ACCEPTS);
    return;
  }
  s.spec.restart = m[1] as RestartPolicy;
  if (m[2] !== undefined) s.spec.restartMaxRetries = Number(m[2]);
}
