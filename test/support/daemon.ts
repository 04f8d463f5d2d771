// An in-process daemon on the private engine, fed compose texts through its target file.
import { rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { loadRelease } from "../../src/release/load.ts";
import { Daemon } from "../../src/reconcile/daemon.ts";
import { AgentController } from "../../src/reconcile/controller.ts";
import { testAgent, type TestAgent } from "./agent.ts";

export interface TestDaemon {
  agent: TestAgent;
  daemon: Daemon;
  controller: AgentController;
  log: string[];
  setTarget(compose: string): Promise<void>;
  until(what: string, check: () => Promise<boolean> | boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestDaemon(
  app: string,
  compose: string,
  testWindowMs: number,
): Promise<TestDaemon> {
  const agent = await testAgent();
  const target = path.join(agent.dir, "docker-compose.yml");
  const setTarget = async (text: string) => {
    await writeFile(`${target}.tmp`, text);
    await rename(`${target}.tmp`, target);
  };
  await setTarget(compose);
  const log: string[] = [];
  const ac = new AbortController();
  const daemon = new Daemon(agent, {
    targetFile: target,
    loadTarget: async (file) => (await loadRelease(file, { app })).release,
    log: (l) => log.push(l),
    resyncMs: 1000,
    testWindowMs,
    signal: ac.signal,
  });
  const controller = new AgentController({ daemon, agentVersion: "test" });
  const running = daemon.run();
  return {
    agent,
    daemon,
    controller,
    log,
    setTarget,
    async until(what, check, timeoutMs = 45_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (await check()) return;
        await sleep(200);
      }
      throw new Error(`timed out waiting for: ${what}\n--- daemon log ---\n${log.join("\n")}`);
    },
    async stop() {
      ac.abort();
      await running;
      await agent.cleanup(app);
    },
  };
}
