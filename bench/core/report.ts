// Renders bench/.work/core/*.json as the results table of docs/benchmarks.md (printed, and
// written to bench/.work/core/report.md).
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { WORK } from "./fixture.ts";
import { summarise, type Summary } from "./stats.ts";

const read = async <T>(name: string): Promise<T> =>
  JSON.parse(await readFile(path.join(WORK, name), "utf8")) as T;

const converge = await read<{
  rounds: number;
  loadavg1: number[];
  results: Record<string, { install: Summary; update: Summary }>;
  startupMs: Record<string, Summary>;
  cpuMs: Record<string, { install: Summary; update: Summary }>;
  startupCpuMs: Record<string, Summary>;
}>("converge.json");
interface Passes {
  passes: number;
  rssGrowthAfter100Pct: number;
  nodeFlags: string;
  rssBeforeMb: number;
  rssAfterMb: number;
  rssGrowthPct: number;
  heapUsedBeforeMb: number;
  heapUsedAfterMb: number;
  msPerPass: number;
  samples: { pass: number; rssMb: number; heapUsedMb: number; heapTotalMb: number }[];
}
const passes = await read<Passes>("passes.json");
const passesSemi = await read<Passes>("passes-semi1.json");
const idle = await read<{
  idleRssMb: number;
  rssSamplesMb: { t: number; rss: number }[];
  vmHwmMb: number;
  idleAnonMb: number;
  idleFileMb: number;
  nodeFloorRssMb: number;
  windowS: number;
  resyncS: number;
  wakesInWindow: number;
  io: { write_bytes: number; writeBytesPerHour: number; wchar: number };
}>("agent-idle.json");

const ms = (s: Summary) => `${s.median} ms (${s.min}–${s.max})`;
const met = (ok: boolean) => (ok ? "yes" : "**no**");
const ev = converge.results["edgevisor apply"]!;
const evWait = converge.results["edgevisor apply --wait"]!;
const dc = converge.results["docker-compose up -d"]!;
const ratio = (a: Summary, b: Summary) => Math.round((a.median / b.median) * 100) / 100;

const rows: string[][] = [
  ["figure", "edgevisor", "docker-compose", "ratio", "goal", "met?"],
  ["converge 10 services from nothing", ms(ev.install), ms(dc.install)],
  ["update 5 of 10 services", ms(ev.update), ms(dc.update)],
].map((r, i) => {
  if (i === 0 || r.length > 3) return r;
  const [a, b] = i === 1 ? [ev.install, dc.install] : [ev.update, dc.update];
  const x = ratio(a, b);
  return [...r, `${x.toFixed(2)}×`, "≤ 1.0×", met(x <= 1)];
});
for (const [label, a, b] of [
  ["converge from nothing, `apply --wait`", evWait.install, dc.install],
  ["update 5 of 10, `apply --wait`", evWait.update, dc.update],
] as const)
  rows.push([label, ms(a), `${ms(b)} (up -d)`, `${ratio(a, b).toFixed(2)}×`, "(reported)", "—"]);
const idleRss = summarise(idle.rssSamplesMb.map((x) => x.rss * 10));
for (const k of ["median", "min", "max"] as const) idleRss[k] /= 10;
const evStart = converge.startupMs.edgevisor!;
const dcStart = converge.startupMs["docker-compose"]!;
rows.push(
  [
    "process start alone (`apply --help` / `up --help`), part of each run above",
    ms(evStart),
    ms(dcStart),
    `${ratio(evStart, dcStart).toFixed(2)}×`,
    "(reported)",
    "—",
  ],
  [
    "agent RSS, idle, release running",
    `${idleRss.median} MB median of ${idle.rssSamplesMb.length} samples over ${idle.windowS} s (${idleRss.min}–${idleRss.max}; last: RssAnon ${idle.idleAnonMb} + RssFile ${idle.idleFileMb} MB; VmHWM ${idle.vmHwmMb} MB; bare Node ${idle.nodeFloorRssMb} MB)`,
    "—",
    "—",
    "≤ 60 MB",
    met(idleRss.max <= 60),
  ],
  [
    `RSS growth over ${passes.passes} reconcile passes`,
    `${passes.rssGrowthPct}% (${passes.rssBeforeMb} → ${passes.rssAfterMb} MB; heap ${passes.heapUsedBeforeMb} → ${passes.heapUsedAfterMb} MB)`,
    "—",
    "—",
    "≤ 5%",
    met(passes.rssGrowthPct <= 5),
  ],
  [
    `RSS growth over ${passesSemi.passes} passes, \`node ${passesSemi.nodeFlags}\``,
    `${passesSemi.rssGrowthPct}% (${passesSemi.rssBeforeMb} → ${passesSemi.rssAfterMb} MB; heap ${passesSemi.heapUsedBeforeMb} → ${passesSemi.heapUsedAfterMb} MB)`,
    "—",
    "—",
    "(reported)",
    "—",
  ],
  [
    "bytes written to disk per idle hour",
    `${idle.io.writeBytesPerHour} B/h (${idle.io.write_bytes} B in ${idle.windowS} s, resync ${idle.resyncS} s)`,
    "—",
    "—",
    "0",
    met(idle.io.writeBytesPerHour === 0),
  ],
);

type Mb = { rss: number; anon: number; file: number };
const breakdown = await read<{
  settleS: number;
  rounds: number;
  importsMb: Record<string, Mb>;
  idleDaemonMb: Record<string, Mb>;
}>("rss-breakdown.json");

const table = rows.map((r) => `| ${r.join(" | ")} |`);
table.splice(1, 0, `|${rows[0]!.map(() => "---").join("|")}|`);
const notes = [
  "",
  `${converge.rounds} interleaved rounds, median (min–max); 1-min load average during the run: ${converge.loadavg1.map((l) => l.toFixed(1)).join(", ")}.`,
  `CPU (user + sys) of the tool's own processes, median: edgevisor apply ${converge.cpuMs["edgevisor apply"]!.install.median} ms install / ${converge.cpuMs["edgevisor apply"]!.update.median} ms update, docker-compose ${converge.cpuMs["docker-compose up -d"]!.install.median} / ${converge.cpuMs["docker-compose up -d"]!.update.median} ms; start alone (help) ${converge.startupCpuMs.edgevisor!.median} vs ${converge.startupCpuMs["docker-compose"]!.median} ms.`,
  `From pass 100 to ${passes.passes}: RSS ${passes.rssGrowthAfter100Pct}% (${passesSemi.rssGrowthAfter100Pct}% with --max-semi-space-size=1). Heap after GC, total/used, MB: ${passes.samples.map((x) => `${x.pass}: ${x.heapTotalMb}/${x.heapUsedMb}`).join(", ")}.`,
  `${passes.msPerPass} ms per idle reconcile pass (10 containers inspected); ${idle.wakesInWindow} event wakes in the idle window.`,
];
const mbRow = (what: string, v: Mb) => `| ${what} | ${v.rss} | ${v.anon} | ${v.file} |`;
const rssRows = [
  "| process | VmRSS MB | RssAnon MB | RssFile MB |",
  "| --- | ---: | ---: | ---: |",
  ...Object.entries(breakdown.importsMb).map(([k, v]) => mbRow(`imports only: ${k}`, v)),
  ...Object.entries(breakdown.idleDaemonMb).map(([k, v]) =>
    mbRow(`idle daemon (median of ${breakdown.rounds}): ${k}`, v),
  ),
];
const text = `${table.join("\n")}\n${notes.join("\n")}\n\n${rssRows.join("\n")}\n`;
await writeFile(path.join(WORK, "report.md"), text);
process.stdout.write(text);
