// The agent's delta fetch, built from its config. src/agent.ts imports this module only
// when a delta server is configured (and only at the first fetch), so an agent without
// deltas never loads the codec.
import type { KeyObject } from "node:crypto";
import path from "node:path";
import type { EngineClient } from "../engine/api/index.ts";
import type { EngineSnapshot } from "../engine/types.ts";
import type { FetchImage } from "../guards/wiring.ts";
import type { Release } from "../release/types.ts";
import { deltaFetch, previousImageId } from "./delta-fetch.ts";
import { manifestDigestVia } from "./docker-distribution.ts";
import { DockerImageStore } from "./docker-store.ts";
import { loadTrustedKeys } from "./trusted-keys.ts";

export interface AgentDeltaOptions {
  deltaUrl: string;
  trustedKeysDir: string | undefined;
  stateDir: string;
  docker: EngineClient;
  /** The engine as the loop read it for the pass that runs the fetch. */
  snapshot: () => EngineSnapshot | undefined;
  /** The last committed release. */
  committed: () => Release | undefined;
  pull: FetchImage;
  log: (line: string) => void;
}

export function agentDeltaFetch(o: AgentDeltaOptions): FetchImage {
  let keys: Promise<KeyObject[]> | undefined;
  return deltaFetch({
    deltaUrl: o.deltaUrl,
    store: new DockerImageStore(o.docker),
    manifestDigest: manifestDigestVia(o.docker),
    baseFor: (s) => previousImageId(o.snapshot(), s.name, o.committed()),
    // Unreadable keys refuse deltas (→ full pull) and are read again at the next fetch.
    trustedKeys: () =>
      (keys ??= loadTrustedKeys(o.trustedKeysDir).catch((e: unknown) => {
        keys = undefined;
        throw e;
      })),
    tmpDir: path.join(o.stateDir, "delta-tmp"),
    pull: o.pull,
    log: o.log,
  });
}
