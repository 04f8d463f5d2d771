// The daemon at rest: `edgevisor run --target <file> --resync <s> --test-window 5
// --api-port 0` keeps the ten-service release it converged itself; once every service runs
// and the release is committed (test window) we sample VmRSS/VmHWM and read its
// /proc/<pid>/io over an idle window (several periodic resyncs), extrapolated to an hour.
// The engine's own writes (container logs, state) are another process and out of scope.
//
//   node bench/core/agent-idle.ts [windowSeconds=120] [resyncSeconds=10]
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ROOT,
  WORK,
  buildDist,
  cleanup,
  engineDocker,
  evLabel,
  memoryAfter,
  prepareApp,
  runArgs,
  spawnNode,
  waitConverged,
} from "./fixture.ts";
import { ioOf, mb, memoryOf, rssMb, type IoCounters, type MemoryKb } from "./proc.ts";

const windowS = Number(process.argv[2] ?? 120);
const resyncS = Number(process.argv[3] ?? 10);
if (!(windowS >= 10 && windowS <= 3600)) throw new Error("window: 10..3600 s");
if (!(resyncS >= 1 && resyncS <= windowS)) throw new Error("resync: 1..window s");
/** A reached release is committed after its test window; idle starts after that. */
const TEST_WINDOW_S = 5;
const SETTLE_S = 15;

const APP = "evbench-run"; // `edgevisor run` names the app after the target's directory
const docker = engineDocker();
buildDist();
const fx = await prepareApp(docker, APP);

// The shipped launcher (dist/, with the heap flags it sets: src/guards/agent-self.ts).
const daemon = spawnNode(
  [path.join(ROOT, "bin/edgevisor.js"), ...runArgs(fx.target, resyncS, TEST_WINDOW_S)],
  fx.env,
);
const pid = daemon.pid;
const lines = daemon.lines;

try {
  const convergedMs = await waitConverged(docker, daemon, APP);
  console.log(`daemon ${pid} converged the release in ${convergedMs} ms; settling ${SETTLE_S} s`);
  await sleep(SETTLE_S * 1000);
  const state = JSON.parse(await readFile(path.join(fx.stateDir, "state.json"), "utf8")) as {
    status?: string;
  };
  console.log(`agent state after settling: ${state.status}`);

  const memory: (MemoryKb & { t: number })[] = [];
  const io0: IoCounters = ioOf(pid);
  const t0 = Date.now();
  memory.push({ t: 0, ...memoryOf(pid) });
  const steps = Math.ceil(windowS / 10);
  for (let i = 1; i <= steps; i++) {
    await sleep((windowS * 1000) / steps);
    if (daemon.exited()) throw new Error("daemon exited during the idle window");
    memory.push({ t: Math.round((Date.now() - t0) / 1000), ...memoryOf(pid) });
  }
  const io1: IoCounters = ioOf(pid);
  const elapsedS = (Date.now() - t0) / 1000;
  const wakes = lines.filter((l) => l.at >= t0 && /wake:/.test(l.text)).map((l) => l.text);
  const delta = (k: keyof IoCounters) => io1[k] - io0[k];
  // A bare Node process doing nothing: the floor under any Node agent's RSS.
  const floor = await memoryAfter(["-e", "setTimeout(() => {}, 60_000)"], 2);
  const last = memory.at(-1)!;
  const result = {
    pid,
    convergedMs,
    statusAfterSettle: state.status,
    settleS: SETTLE_S,
    windowS: Math.round(elapsedS),
    resyncS,
    idleRssMb: mb(last.rssKb),
    idleRssMaxMb: mb(Math.max(...memory.map((m) => m.rssKb))),
    /** The last sample split: own memory (anon) and pages of mapped files (the node binary). */
    idleAnonMb: mb(last.anonKb),
    idleFileMb: mb(last.fileKb),
    vmHwmMb: mb(last.hwmKb),
    nodeFloorRssMb: mb(floor.rssKb),
    nodeFloorAnonMb: mb(floor.anonKb),
    nodeFloorFileMb: mb(floor.fileKb),
    rssSamplesMb: memory.map((m) => ({ t: m.t, ...rssMb(m) })),
    io: {
      write_bytes: delta("write_bytes"),
      cancelled_write_bytes: delta("cancelled_write_bytes"),
      wchar: delta("wchar"),
      syscw: delta("syscw"),
      writeBytesPerHour: Math.round((delta("write_bytes") * 3600) / elapsedS),
    },
    resyncsInWindow: Math.floor(elapsedS / resyncS),
    wakesInWindow: wakes.length,
    wakeSamples: wakes.slice(0, 5),
  };
  await writeFile(path.join(WORK, "agent-idle.json"), `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await daemon.stop();
  await cleanup(docker, evLabel(APP));
}
