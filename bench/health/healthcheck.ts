// How long `edgevisor healthcheck` takes, as a probe would run it (a fresh process each
// time), against a stub of the agent's API and the private engine; plus the light engine
// check alone (in-process) and one systemd-notify datagram (the cost of a watchdog ping).
// The figures and the machine's load go to bench/.work/health/healthcheck.json and stdout.
//
//   npm run bench:health                 (or: node bench/health/healthcheck.ts [rounds=20])
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EngineClient } from "../../src/engine/api/index.ts";
import { DockerEngine } from "../../src/engine/docker-engine.ts";
import { checkEngine } from "../../src/health/engine-check.ts";
import { createNotifier } from "../../src/health/sd-notify.ts";
import { startNotifyListener } from "../../test/health/support.ts";
import { engineSocketPath } from "../../test/support/engine.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const rounds = Number(process.argv[2] ?? 20);
if (!(Number.isInteger(rounds) && rounds >= 3 && rounds <= 1000))
  throw new Error("rounds: 3..1000");

interface Stats {
  median: number;
  p90: number;
  min: number;
  max: number;
}

function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  const r = (x: number) => Math.round(x * 10) / 10;
  return { median: r(at(0.5)), p90: r(at(0.9)), min: r(s[0]!), max: r(s.at(-1)!) };
}

/**
 * Wall time of one fresh process, and its CPU time (user + sys, from GNU time): on a busy
 * machine the wall time mostly measures waiting for a CPU; the CPU time is close to what
 * the wall time is on an idle device.
 */
function timeProcess(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ wall: number; cpu: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      "/usr/bin/time",
      ["-f", "CPU %U %S", process.execPath, ...args],
      { cwd: ROOT, env },
      (err, stdout, stderr) => {
        const wall = performance.now() - t;
        if (err) return reject(new Error(`${args.join(" ")}: ${err.message}\n${stdout}${stderr}`));
        const m = /^CPU ([\d.]+) ([\d.]+)$/m.exec(stderr);
        if (!m) return reject(new Error(`no CPU figures from /usr/bin/time: ${stderr}`));
        resolve({ wall, cpu: (Number(m[1]) + Number(m[2])) * 1000 });
      },
    );
  });
}

const socketPath = engineSocketPath();
const api = http.createServer((req, res) => {
  res.writeHead(req.url === "/v1/healthy" ? 200 : 404).end("OK");
});
await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
const env = { PATH: process.env.PATH, DOCKER_HOST: `unix://${socketPath}` };
const loadBefore = os.loadavg();

const series: Record<string, { wall: number[]; cpu: number[] }> = {};
const runs: [string, string[]][] = [
  ["node -e 0 (process floor)", ["-e", "0"]],
  ["edgevisor healthcheck (agent only)", ["src/cli/main.ts", "healthcheck", "--api-url", apiUrl]],
  [
    "edgevisor healthcheck --engine",
    ["src/cli/main.ts", "healthcheck", "--engine", "--api-url", apiUrl],
  ],
  [
    "node src/cli/healthcheck.ts --engine (standalone entry)",
    ["src/cli/healthcheck.ts", "--engine", "--api-url", apiUrl],
  ],
];
// Warm the page cache once, then interleave the variants so load changes hit all alike.
for (const [, args] of runs) await timeProcess(args, env);
for (let i = 0; i < rounds; i++)
  for (const [name, args] of runs) {
    const r = await timeProcess(args, env);
    const s = (series[name] ??= { wall: [], cpu: [] });
    s.wall.push(r.wall);
    s.cpu.push(r.cpu);
  }

const engine = new DockerEngine(new EngineClient({ socketPath }));
const checks: number[] = [];
for (let i = 0; i < rounds * 5; i++) {
  const r = await checkEngine(engine, 2000);
  if (!r.ok) throw new Error(`engine check failed: ${r.error}`);
  checks.push(r.ms);
}
api.close();

const dir = await mkdtemp(path.join(os.tmpdir(), "ev-bench-notify-"));
const listener = await startNotifyListener(path.join(dir, "notify.sock"));
const notify = createNotifier({ socket: listener.address, log: (l) => console.error(l) });
const pings: number[] = [];
for (let i = 0; i < rounds * 2; i++) {
  const t = performance.now();
  await notify.send({ watchdog: true });
  pings.push(performance.now() - t);
}
await listener.close();
await rm(dir, { recursive: true, force: true });

const result = {
  date: new Date().toISOString(),
  cpus: `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}`,
  loadavg: {
    before: loadBefore.map((x) => x.toFixed(2)),
    after: os.loadavg().map((x) => x.toFixed(2)),
  },
  rounds,
  wallMs: Object.fromEntries(Object.entries(series).map(([k, v]) => [k, stats(v.wall)])),
  cpuMs: Object.fromEntries(Object.entries(series).map(([k, v]) => [k, stats(v.cpu)])),
  inProcessMs: {
    "engine check (ping + list 1 container)": stats(checks),
    "systemd-notify WATCHDOG=1 (spawn + barrier)": stats(pings),
  },
};
await mkdir(path.join(ROOT, "bench/.work/health"), { recursive: true });
await writeFile(
  path.join(ROOT, "bench/.work/health/healthcheck.json"),
  `${JSON.stringify(result, null, 2)}\n`,
);
console.log(
  `health checks, ${rounds} rounds; load average ${result.loadavg.before.join(" ")} → ${result.loadavg.after.join(" ")}; ${result.cpus}`,
);
console.log("| fresh process | wall median ms | wall p90 ms | CPU median ms | CPU p90 ms |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const [k, w] of Object.entries(result.wallMs)) {
  const c = result.cpuMs[k]!;
  console.log(`| ${k} | ${w.median} | ${w.p90} | ${c.median} | ${c.p90} |`);
}
console.log("");
console.log("| in the agent's process | median ms | p90 ms | max ms |");
console.log("| --- | ---: | ---: | ---: |");
for (const [k, v] of Object.entries(result.inProcessMs))
  console.log(`| ${k} | ${v.median} | ${v.p90} | ${v.max} |`);
