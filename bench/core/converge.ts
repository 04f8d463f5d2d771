// Converge and update, side by side on one engine: `edgevisor apply` (without and with
// --wait) against Debian's `docker-compose up -d`, same compose files, images prebuilt.
// Rounds are interleaved and the order rotates each round, so drift in the machine's load
// spreads over all tools. Every timed run is checked afterwards (outside the timing).
//
// edgevisor runs as shipped: the launcher bin/edgevisor.js (heap flags, one re-exec) on the
// compiled dist/, rebuilt first.
//
//   node bench/core/converge.ts [rounds]      (default 5; DOCKER_HOST = private engine)
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  ROOT,
  WORK,
  assertRunning,
  buildDist,
  buildImages,
  cleanup,
  composeLabel,
  engineDocker,
  evLabel,
  resetDir,
  writeReleases,
} from "./fixture.ts";
import { summarise, type Summary } from "./stats.ts";

const rounds = Number(process.argv[2] ?? 5);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw new Error("rounds: 1..50");

const APP = "evbench-ev";
const PROJECT = "evbench-dc";
const TIMEOUT_MS = 180_000;
const docker = engineDocker();
buildDist();
const launcher = path.join(ROOT, "bin/edgevisor.js");
const dirs = await writeReleases();
const stateDir = path.join(WORK, "apply-state");
const lockDir = path.join(WORK, "apply-locks");

interface Tool {
  name: string;
  label: string;
  cmd: (version: "v1" | "v2") => string[];
  reset: () => Promise<void>;
}

const edgevisor = (wait: boolean): Tool => ({
  name: wait ? "edgevisor apply --wait" : "edgevisor apply",
  label: evLabel(APP),
  cmd: (v) => [
    process.execPath,
    launcher,
    "apply",
    dirs[v],
    "--app",
    APP,
    ...(wait ? ["--wait"] : []),
  ],
  reset: async () => {
    await cleanup(docker, evLabel(APP));
    await resetDir(stateDir);
    await resetDir(lockDir);
  },
});

const compose: Tool = {
  name: "docker-compose up -d",
  label: composeLabel(PROJECT),
  cmd: (v) => [
    "docker-compose",
    "-p",
    PROJECT,
    "-f",
    path.join(dirs[v], "docker-compose.yml"),
    "up",
    "-d",
  ],
  reset: () => cleanup(docker, composeLabel(PROJECT)),
};

const tools = [edgevisor(false), compose, edgevisor(true)];

const cpuFile = path.join(WORK, "cpu.txt");

/** Wall time of one run, and the CPU (user + sys) of the tool's own processes (GNU time). */
function timed(argv: string[]): Promise<{ wall: number; cpu: number }> {
  const env = { ...process.env, EDGEVISOR_STATE_DIR: stateDir, EDGEVISOR_LOCK_DIR: lockDir };
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn("/usr/bin/time", ["-f", "%U %S", "-o", cpuFile, ...argv], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const wall = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) return reject(new Error(`${argv.join(" ")} exited with ${code}:\n${output}`));
      const [user, sys] = readFileSync(cpuFile, "utf8").trim().split(/\s+/).map(Number);
      resolve({ wall, cpu: ((user ?? NaN) + (sys ?? NaN)) * 1000 });
    });
  });
}

console.log(`building images on ${process.env.DOCKER_HOST} (not timed)`);
await buildImages(docker);
for (const t of tools) await t.reset();

type Runs = { install: number[]; update: number[] };
const samples: Record<string, Runs> = {};
const cpu: Record<string, Runs> = {};
for (const t of tools) {
  samples[t.name] = { install: [], update: [] };
  cpu[t.name] = { install: [], update: [] };
}
const load: number[] = [os.loadavg()[0]!];
/** Process start alone: each tool printing `up`/`apply` help (part of every timed run). */
const startup: Record<string, number[]> = { edgevisor: [], "docker-compose": [] };
const startupCpu: Record<string, number[]> = { edgevisor: [], "docker-compose": [] };
const helpCmd = {
  edgevisor: [process.execPath, launcher, "apply", "--help"],
  "docker-compose": ["docker-compose", "up", "--help"],
};

for (let r = 0; r < rounds; r++) {
  const order = tools.map((_, i) => tools[(i + r) % tools.length]!);
  for (const t of order) {
    await t.reset();
    const install = await timed(t.cmd("v1"));
    await assertRunning(docker, t.label, "v1");
    const update = await timed(t.cmd("v2"));
    await assertRunning(docker, t.label, "v2");
    samples[t.name]!.install.push(install.wall);
    samples[t.name]!.update.push(update.wall);
    cpu[t.name]!.install.push(install.cpu);
    cpu[t.name]!.update.push(update.cpu);
    await t.reset();
    console.log(
      `round ${r + 1}/${rounds} ${t.name}: install ${install.wall.toFixed(0)} ms (CPU ${install.cpu.toFixed(0)}), update 5/10 ${update.wall.toFixed(0)} ms (CPU ${update.cpu.toFixed(0)})`,
    );
  }
  for (const [name, argv] of Object.entries(helpCmd)) {
    const run = await timed(argv);
    startup[name]!.push(run.wall);
    startupCpu[name]!.push(run.cpu);
  }
  load.push(os.loadavg()[0]!);
}

const results: Record<string, { install: Summary; update: Summary }> = {};
const cpuMs: Record<string, { install: Summary; update: Summary }> = {};
for (const [name, s] of Object.entries(samples))
  results[name] = { install: summarise(s.install), update: summarise(s.update) };
for (const [name, s] of Object.entries(cpu))
  cpuMs[name] = { install: summarise(s.install), update: summarise(s.update) };
const startupMs = Object.fromEntries(
  Object.entries(startup).map(([name, ms]) => [name, summarise(ms)]),
);
const startupCpuMs = Object.fromEntries(
  Object.entries(startupCpu).map(([name, ms]) => [name, summarise(ms)]),
);
const out = { rounds, loadavg1: load, results, cpuMs, startupMs, startupCpuMs };
await writeFile(path.join(WORK, "converge.json"), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out, null, 2));
