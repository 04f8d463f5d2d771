// The loopback registry started by scripts/registry (Debian's docker-registry).
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { EngineClient } from "../../src/engine/api/index.ts";
import { followJsonStream } from "../../src/engine/json-stream.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

export function registryAddress(): string {
  const out = execFileSync("bash", [`${root}/scripts/registry`, "start"], { encoding: "utf8" });
  const line = out.split("\n").find((l) => l.startsWith("REGISTRY="));
  if (!line) throw new Error(`scripts/registry start printed no REGISTRY:\n${out}`);
  return line.slice("REGISTRY=".length);
}

/** Tag a local image as `ref` (registry/repo:tag) and push it. */
export async function pushImage(docker: EngineClient, local: string, ref: string): Promise<void> {
  const colon = ref.lastIndexOf(":");
  await docker.getImage(local).tag({ repo: ref.slice(0, colon), tag: ref.slice(colon + 1) });
  // The engine wants an auth header even for an anonymous loopback registry.
  const serveraddress = ref.slice(0, ref.indexOf("/"));
  const stream = await docker
    .getImage(ref)
    .push({ authconfig: { username: "", password: "", serveraddress } });
  await followJsonStream(stream, (m) => {
    if (m.error) throw new Error(`push ${ref}: ${m.error}`);
  });
}
