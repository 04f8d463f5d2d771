// Waiting for the engine at start-up: devices boot the agent and the engine side by side.
import { setTimeout as sleep } from "node:timers/promises";
import { toEvError } from "../errors.ts";
import type { ContainerEngine } from "./types.ts";

export async function waitForEngine(
  engine: ContainerEngine,
  log: (l: string) => void,
  signal: AbortSignal,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await engine.ping();
      return;
    } catch (e) {
      if (signal.aborted) throw e;
      if (attempt === 0 || attempt % 10 === 0)
        log(`waiting for the engine: ${toEvError(e).format()}`);
      await sleep(Math.min(500 * 2 ** attempt, 5000), undefined, { signal });
    }
  }
}
