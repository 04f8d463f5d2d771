// Integration tests run against the real private engine started by scripts/engine.
// They fail (never skip) when it cannot be reached: a skipped engine test proves nothing.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { EngineClient } from "../../src/engine/api/index.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** DOCKER_HOST of the private engine, starting it when it is not running. */
export function engineHost(): string {
  if (process.env.DOCKER_HOST) return process.env.DOCKER_HOST;
  const out = execFileSync("bash", [`${root}/scripts/engine`, "start"], { encoding: "utf8" });
  const line = out.split("\n").find((l) => l.startsWith("DOCKER_HOST="));
  if (!line) throw new Error(`scripts/engine start printed no DOCKER_HOST:\n${out}`);
  const host = line.slice("DOCKER_HOST=".length);
  process.env.DOCKER_HOST = host;
  return host;
}

export function engineSocketPath(): string {
  const host = engineHost();
  if (!host.startsWith("unix://"))
    throw new Error(`expected a unix socket DOCKER_HOST, got ${host}`);
  return host.slice("unix://".length);
}

export function testDocker(): EngineClient {
  return new EngineClient({ socketPath: engineSocketPath() });
}

/** A short unique name for one test's engine objects, so parallel tests never collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
