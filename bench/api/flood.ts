// Benchmark: latency of GET /ping and GET /v1/healthy, alone and under a bounded loopback
// flood (bench/api/flooder.ts: 20,000 requests, 64 at a time, ≤ 10 s). Three processes: the
// API (over a fake agent), the flooder, and this probe, so the probe's own work does not
// queue behind the flood's client side.
//   npm run bench:api            (node bench/api/flood.ts)
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import os from "node:os";
import { fileURLToPath } from "node:url";
import type { FloodResult } from "./flooder.ts";
import { percentile, probe, type ProbeResult } from "./probe.ts";

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const TOTAL = Number(process.env.FLOOD_TOTAL ?? 20_000);
const CONCURRENCY = Number(process.env.FLOOD_CONCURRENCY ?? 64);
const MAX_MS = 10_000;

interface Served {
  child: ChildProcess;
  base: string;
  globalKey: string;
  appKey: string;
}

// EVBENCH_SERVER_FLAGS: node/V8 flags for the API process only (e.g. "--jitless").
const SERVER_FLAGS = (process.env.EVBENCH_SERVER_FLAGS ?? "").split(" ").filter(Boolean);

async function startServer(limits: object): Promise<Served> {
  const args = [...SERVER_FLAGS, here("./serve.ts"), JSON.stringify(limits)];
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  const info = JSON.parse(line.toString()) as { port: number; globalKey: string; appKey: string };
  return { child, base: `http://127.0.0.1:${info.port}`, ...info };
}

async function runFlood(s: Served): Promise<FloodResult> {
  const child = spawn(
    process.execPath,
    [
      here("./flooder.ts"),
      s.base,
      s.globalKey,
      s.appKey,
      String(TOTAL),
      String(CONCURRENCY),
      String(MAX_MS),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  await once(child, "exit");
  return JSON.parse(out) as FloodResult;
}

function row(name: string, p: ProbeResult, flood?: FloodResult): string {
  const ok = Object.entries(p.statuses).every(([k]) => k.endsWith(" 200"));
  const l = p.latenciesMs;
  const f = flood
    ? `${flood.sent} in ${(flood.elapsedMs / 1000).toFixed(1)} s (${Math.round(flood.sent / (flood.elapsedMs / 1000))}/s): ${Object.entries(
        flood.byStatus,
      )
        .map(([k, v]) => `${k}×${v}`)
        .join(" ")}`
    : "—";
  return `| ${name} | ${f} | ${l.length} | ${percentile(l, 50).toFixed(2)} | ${percentile(l, 99).toFixed(2)} | ${Math.max(...l).toFixed(2)} | ${ok ? "all 200" : JSON.stringify(p.statuses)} |`;
}

async function scenario(name: string, limits: object): Promise<string[]> {
  const s = await startServer(limits);
  try {
    await probe(s.base, new AbortController().signal, 0, 500); // warm-up
    const idle = await probe(s.base, new AbortController().signal, 1, 2000);
    const ac = new AbortController();
    const probing = probe(s.base, ac.signal, 1);
    const flood = await runFlood(s);
    ac.abort();
    const busy = await probing;
    return [row(`${name}, idle`, idle), row(`${name}, flood`, busy, flood)];
  } finally {
    s.child.kill("SIGTERM");
    await once(s.child, "exit");
  }
}

const rows = [
  ...(await scenario("default limits", {})),
  ...(await scenario("rate limits off", {
    perKey: { ratePerSec: 1e9, burst: 1e9 },
    perAddress: { ratePerSec: 1e9, burst: 1e9 },
  })),
];
const cpu = os.cpus()[0]?.model ?? "?";
console.log(`node ${process.version}, ${os.cpus().length} × ${cpu}`);
console.log(
  `flood: ${TOTAL} requests, ${CONCURRENCY} concurrent, ≤ ${MAX_MS / 1000} s; probe: /ping and /v1/healthy alternately, one at a time, 1 ms apart\n`,
);
console.log(
  "| scenario | flood (status × count) | probes | p50 ms | p99 ms | max ms | probe answers |",
);
console.log("| --- | --- | ---: | ---: | ---: | ---: | --- |");
for (const r of rows) console.log(r);
