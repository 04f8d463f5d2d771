// balena behaviour labels: io.balena.update.strategy, io.balena.update.handover-timeout and
// io.balena.features.*. Legacy io.resin.* spellings are read the same way.
import type { ServiceSpec } from "./types.ts";
import { DEFAULT_HANDOVER_TIMEOUT_MS, UPDATE_STRATEGIES, type UpdateStrategy } from "./types.ts";
import { expected, warn, type KeyValue, type ReadCtx } from "./yaml-read.ts";

export const KNOWN_FEATURES = new Set([
  "balena-socket",
  "dbus",
  "sysfs",
  "procfs",
  "kernel-modules",
  "firmware",
  "journal-logs",
  "supervisor-api",
  "balena-api",
  "resin-api",
  "gpu",
]);

const FEATURE_PREFIX = "io.balena.features.";

function normalise(key: string): string {
  return key.startsWith("io.resin.") ? `io.balena.${key.slice("io.resin.".length)}` : key;
}

function isTruthy(value: string): boolean {
  return value === "1" || value.toLowerCase() === "true";
}

/** Read the balena labels of one service into its spec. */
export function applyBalenaLabels(ctx: ReadCtx, labels: KeyValue[], spec: ServiceSpec): void {
  const features = new Set<string>();
  for (const label of labels) {
    const key = normalise(label.key);
    const value = label.value ?? "";
    if (key === "io.balena.update.strategy") {
      if ((UPDATE_STRATEGIES as readonly string[]).includes(value))
        spec.updateStrategy = value as UpdateStrategy;
      else
        expected(
          ctx,
          label.node,
          label.path,
          `an update strategy: ${UPDATE_STRATEGIES.join(", ")}`,
        );
    } else if (key === "io.balena.update.handover-timeout") {
      // An empty value keeps the default, as balena documents it.
      if (value.trim() === "") spec.handoverTimeoutMs = DEFAULT_HANDOVER_TIMEOUT_MS;
      else if (/^\d+$/.test(value.trim())) spec.handoverTimeoutMs = Number(value.trim());
      else expected(ctx, label.node, label.path, "a whole number of milliseconds, like 60000");
    } else if (key.startsWith(FEATURE_PREFIX)) {
      const name = key.slice(FEATURE_PREFIX.length);
      if (!KNOWN_FEATURES.has(name))
        warn(ctx, label.node, label.path, `unknown balena feature "${name}"`);
      if (isTruthy(value)) features.add(name);
    }
  }
  spec.features = [...features].sort();
}
