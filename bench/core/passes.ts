// 1,000 reconcile passes in one process: the agent from createAgent and the daemon's own
// loop (read target file, read engine, plan, persist status), its resync shortened to 1 ms
// so passes run back to back. RSS after a forced GC is taken after a warm-up and again
// after 1,000 more passes; growth beyond a few percent would be a leak.
//
//   node --expose-gc [--max-semi-space-size=1] bench/core/passes.ts [passes=1000] [out.json]
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { createAgent } from "../../src/agent.ts";
import { loadTargetRelease } from "../../src/cli/load-target.ts";
import { Daemon } from "../../src/reconcile/daemon.ts";
import { WORK, assertRunning, cleanup, engineDocker, evLabel, prepareApp } from "./fixture.ts";
import { mb } from "./proc.ts";

const passes = Number(process.argv[2] ?? 1000);
const outName = process.argv[3] ?? "passes.json";
if (!Number.isInteger(passes) || passes < 10 || passes > 100_000) throw new Error("passes: 10..");
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");
const WARMUP = 20;
const TIME_CAP_MS = 15 * 60_000;

const APP = "evbench-passes";
const docker = engineDocker();
const { target, stateDir, lockDir } = await prepareApp(docker, APP);

const agent = createAgent(
  { stateDir, lockDir, dockerHost: process.env.DOCKER_HOST! },
  { progress: () => {}, onStep: () => {} },
);

const rss = () => {
  gc();
  const m = process.memoryUsage();
  return {
    rssMb: mb(m.rss / 1024),
    heapUsedMb: mb(m.heapUsed / 1024),
    heapTotalMb: mb(m.heapTotal / 1024),
    externalMb: mb(m.external / 1024),
  };
};
const ac = new AbortController();
const samples: ({ pass: number } & ReturnType<typeof rss>)[] = [];
let count = 0;
let warmedAt = 0;
const converge = agent.reconciler.converge.bind(agent.reconciler);
agent.reconciler.converge = async (t, opts) => {
  const outcome = await converge(t, opts);
  count++;
  if (count === WARMUP) warmedAt = Date.now();
  if (count >= WARMUP && (count - WARMUP) % 100 === 0)
    samples.push({ pass: count - WARMUP, ...rss() });
  if (count >= WARMUP + passes) ac.abort();
  return outcome;
};

const logs: string[] = [];
const daemon = new Daemon(agent, {
  targetFile: target,
  loadTarget: async (file) => (await loadTargetRelease(file, process.env)).release,
  log: (l) => logs.push(l),
  resyncMs: 1,
  testWindowMs: 0, // commit the release at once: the passes are those of a settled agent
  signal: ac.signal,
});
const cap = setTimeout(() => ac.abort(), TIME_CAP_MS);
try {
  await daemon.run();
  clearTimeout(cap);
  if (count < WARMUP + passes) throw new Error(`stopped by the time cap after ${count} passes`);
  await assertRunning(docker, evLabel(APP), "v1");
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const result = {
    passes: last.pass,
    warmupPasses: WARMUP,
    msPerPass: Math.round(((Date.now() - warmedAt) / passes) * 10) / 10,
    rssBeforeMb: first.rssMb,
    rssAfterMb: last.rssMb,
    rssGrowthPct: Math.round(((last.rssMb - first.rssMb) / first.rssMb) * 1000) / 10,
    /** The same from pass 100 on, after V8 has sized its heap and compiled the hot code. */
    rssGrowthAfter100Pct:
      Math.round(((last.rssMb - samples[1]!.rssMb) / samples[1]!.rssMb) * 1000) / 10,
    nodeFlags: process.execArgv.join(" "),
    heapUsedBeforeMb: first.heapUsedMb,
    heapUsedAfterMb: last.heapUsedMb,
    samples,
    wakesFromEvents: logs.filter((l) => l.startsWith("wake:")).length,
  };
  await writeFile(path.join(WORK, outName), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await cleanup(docker, evLabel(APP));
}
