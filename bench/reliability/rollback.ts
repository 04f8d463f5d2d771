// How long a failing release takes to be detected and rolled back. The agent (in process,
// private engine) runs a good release v1, then gets v2 whose service crash-loops; measured:
// target change → v2 rejected (detection), rejection → v1 running again (rollback).
// Usage: node bench/reliability/rollback.ts [rounds=3] [testWindowSeconds=10]
import { EngineClient } from "../../src/engine/api/index.ts";
import { startTestDaemon } from "../../test/support/daemon.ts";
import { buildTestImage } from "../../test/support/images.ts";
import { engineSocketPath, uniqueName } from "../../test/support/engine.ts";
import { runningServiceEnv } from "../../test/support/service-state.ts";

const rounds = Number(process.argv[2] ?? 3);
const windowS = Number(process.argv[3] ?? 10);
const docker = new EngineClient({ socketPath: engineSocketPath() });
const base = `${uniqueName("ev-bench-rb")}:1`;
await buildTestImage(docker, { tag: base });

const compose = (version: string, command: string) => `services:
  web:
    image: ${base}
    command: ["sh", "-c", "${command}"]
    environment:
      VERSION: ${version}
`;
const good = "trap 'exit 0' TERM; while true; do sleep 1; done";

const rows: { detectS: number; rollbackS: number; reason: string }[] = [];
for (let i = 0; i < rounds; i++) {
  const app = uniqueName("ev-bench-rb");
  const d = await startTestDaemon(app, compose("v1", good), windowS * 1000);
  try {
    await d.until(
      "v1 committed",
      () => d.agent.store.get().current?.release.services.web?.environment.VERSION === "v1",
      120_000,
    );
    const t0 = Date.now();
    await d.setTarget(compose("v2", "sleep 2; exit 3"));
    await d.until("v2 rejected", () => d.agent.store.get().rejected !== undefined, 120_000);
    const t1 = Date.now();
    await d.until(
      "v1 back",
      async () => (await runningServiceEnv(docker, app, "web", "VERSION")) === "v1",
      120_000,
    );
    const t2 = Date.now();
    rows.push({
      detectS: (t1 - t0) / 1000,
      rollbackS: (t2 - t1) / 1000,
      reason: d.agent.store.get().rejected!.reason,
    });
  } finally {
    await d.stop();
  }
}
await docker.getImage(base).remove({ force: true });
console.log(`test window ${windowS} s, ${rounds} rounds`);
console.log("| round | target → rejected s | rejected → v1 running s | reason |");
console.log("| ---: | ---: | ---: | --- |");
rows.forEach((r, i) =>
  console.log(`| ${i + 1} | ${r.detectS.toFixed(1)} | ${r.rollbackS.toFixed(1)} | ${r.reason} |`),
);
