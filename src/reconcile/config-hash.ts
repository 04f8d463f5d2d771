// A service's container is up to date when it was created from the same effective
// configuration. The hash leaves out what changes how the agent updates, not what runs:
// the strategy and hand-over timeout, and the build recipe (its result is the image tag).
import { createHash } from "node:crypto";
import type { ServiceSpec } from "../release/types.ts";
import { canonicalJson } from "../util/canonical-json.ts";

export function serviceConfigHash(app: string, service: ServiceSpec): string {
  const { updateStrategy: _s, handoverTimeoutMs: _h, build: _b, ...effective } = service;
  return createHash("sha256")
    .update(canonicalJson({ app, service: effective }))
    .digest("hex");
}
