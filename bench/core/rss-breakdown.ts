// Where the daemon's resident memory goes. Two sets of fresh processes:
//  1. imports only: a bare Node, one tiny .ts file (runtime type stripping), node:http, the
//     big dependencies, and the run command's module graph compiled (dist/) and as sources;
//  2. the daemon itself (`bin/edgevisor.js run`, with the launcher's heap flags), idle with
//     the ten-service release running (applied beforehand by `edgevisor apply`): from dist/
//     as shipped, and from the TypeScript sources (EDGEVISOR_FROM_SOURCE=1, types stripped at
//     run time).
// Each is read from /proc/<pid>/status after it settles: VmRSS, and its two parts RssAnon (the
// process's own memory) and RssFile (file-backed pages, mostly the shared node binary). The
// daemons run `rounds` times, alternating; the median of each figure is reported.
//
// Further arguments are sets of node/V8 flags, each one more variant of dist/ with them put
// before the launcher (which keeps them across its re-exec).
//
//   node bench/core/rss-breakdown.ts [settleSeconds=20] [rounds=3] ["--flag --flag" ...]
import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import {
  ROOT,
  WORK,
  assertRunning,
  buildDist,
  cleanup,
  engineDocker,
  evLabel,
  memoryAfter,
  prepareApp,
  resetDir,
  runArgs,
} from "./fixture.ts";
import { rssMb } from "./proc.ts";

const settleS = Number(process.argv[2] ?? 20);
const rounds = Number(process.argv[3] ?? 3);
if (!(settleS >= 5 && settleS <= 300)) throw new Error("settle: 5..300 s");
if (!(rounds >= 1 && rounds <= 15)) throw new Error("rounds: 1..15");
const flagSets = process.argv.slice(4).filter((f) => f.trim());
const APP = "evbench-rss";
const docker = engineDocker();
const probeDir = path.join(WORK, "rss");
buildDist();

type Mb = ReturnType<typeof rssMb>;
await resetDir(probeDir);
await writeFile(path.join(probeDir, "tiny.ts"), "export const x: number = 1;\n");
const importOnly = async (what: string) =>
  rssMb(
    await memoryAfter(
      [
        "--input-type=module",
        "-e",
        `await import(${JSON.stringify(what)}); setInterval(() => {}, 1e6);`,
      ],
      3,
    ),
  );
const imports: Record<string, Mb> = {
  "bare node (node -e)": rssMb(await memoryAfter(["-e", "setInterval(() => {}, 1e6)"], 3)),
  "one tiny .ts file (type stripping)": await importOnly(path.join(probeDir, "tiny.ts")),
  "node:http": await importOnly("node:http"),
  "engine client (dist/engine/api)": await importOnly(path.join(ROOT, "dist/engine/api/index.js")),
  fastify: await importOnly("fastify"),
  "dist/cli/run.js (compiled)": await importOnly(path.join(ROOT, "dist/cli/run.js")),
  "src/cli/run.ts (sources)": await importOnly(path.join(ROOT, "src/cli/run.ts")),
};
console.log(imports);

const fx = await prepareApp(docker, APP);
const launcher = path.join(ROOT, "bin/edgevisor.js");
const samples: Record<string, Mb[]> = {};
try {
  // Every variant finds the release running: converging is not part of "idle".
  const apply = spawnSync(
    process.execPath,
    [launcher, "apply", path.dirname(fx.target), "--app", APP],
    { cwd: ROOT, env: fx.env, encoding: "utf8", timeout: 180_000 },
  );
  if (apply.status !== 0) throw new Error(`apply failed:\n${apply.stdout}${apply.stderr}`);
  const variants: [string, NodeJS.ProcessEnv, string[]][] = [
    ["dist/ as shipped (JavaScript compiled by tsc)", fx.env, []],
    ["src/ (TypeScript stripped at run time)", { ...fx.env, EDGEVISOR_FROM_SOURCE: "1" }, []],
    ...flagSets.map((f): [string, NodeJS.ProcessEnv, string[]] => [
      `dist/ with ${f}`,
      fx.env,
      f.split(" "),
    ]),
  ];
  for (let round = 0; round < rounds; round++)
    for (const [name, env, flags] of variants) {
      const argv = [...flags, launcher, ...runArgs(fx.target, 10)];
      const m = rssMb(await memoryAfter(argv, settleS, env));
      await assertRunning(docker, evLabel(APP), "v1");
      (samples[name] ??= []).push(m);
      console.log(`${name}: ${JSON.stringify(m)} MB`);
    }
} finally {
  await cleanup(docker, evLabel(APP));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const daemons = Object.fromEntries(
  Object.entries(samples).map(([name, ms]) => [
    name,
    {
      rss: median(ms.map((m) => m.rss)),
      anon: median(ms.map((m) => m.anon)),
      file: median(ms.map((m) => m.file)),
    },
  ]),
);
const result = {
  settleS,
  rounds,
  importsMb: imports,
  idleDaemonMb: daemons,
  idleDaemonSamplesMb: samples,
};
await writeFile(path.join(WORK, "rss-breakdown.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
