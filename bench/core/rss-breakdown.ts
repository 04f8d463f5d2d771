// Where the daemon's resident memory goes. Two sets of fresh processes:
//  1. imports only: a bare Node, one tiny .ts file (runtime type stripping), the engine client,
//     src/agent.ts, src/cli/run.ts;
//  2. the daemon itself (`edgevisor run`, which loads only the run command's modules), idle
//     with the ten-service release running (applied beforehand by `edgevisor apply`), from
//     the TypeScript sources as shipped and from JavaScript compiled ahead of time by tsc.
// VmRSS is read from /proc/<pid>/status after the process settles.
//
//   node bench/core/rss-breakdown.ts [settleSeconds=20]
import { spawn, spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ROOT,
  WORK,
  assertRunning,
  buildImages,
  cleanup,
  composeText,
  engineDocker,
  evLabel,
  resetDir,
} from "./fixture.ts";
import { mb, memoryOf } from "./proc.ts";

const settleS = Number(process.argv[2] ?? 20);
if (!(settleS >= 5 && settleS <= 300)) throw new Error("settle: 5..300 s");
const APP = "evbench-rss";
const docker = engineDocker();
const probeDir = path.join(WORK, "rss");
const jsDir = path.join(WORK, "js");
const target = path.join(probeDir, APP, "docker-compose.yml");

async function rssOf(argv: string[], settle: number, env = process.env): Promise<number> {
  const child = spawn(process.execPath, argv, { cwd: ROOT, env, stdio: "ignore" });
  let exited = false;
  child.on("exit", () => (exited = true));
  try {
    await sleep(settle * 1000);
    if (exited) throw new Error(`${argv.join(" ")} exited early`);
    return mb(memoryOf(child.pid!).rssKb);
  } finally {
    child.kill("SIGTERM");
    for (let i = 0; i < 40 && !exited; i++) await sleep(250);
    if (!exited) child.kill("SIGKILL");
  }
}

await resetDir(probeDir);
await writeFile(path.join(probeDir, "tiny.ts"), "export const x: number = 1;\n");
const importOnly = async (what: string) =>
  rssOf(
    [
      "--input-type=module",
      "-e",
      `await import(${JSON.stringify(what)}); setInterval(() => {}, 1e6);`,
    ],
    3,
  );
const imports: Record<string, number> = {
  "bare node (node -e)": await rssOf(["-e", "setInterval(() => {}, 1e6)"], 3),
  "one tiny .ts file (type stripping)": await importOnly(path.join(probeDir, "tiny.ts")),
  "engine client (src/engine/api)": await importOnly(path.join(ROOT, "src/engine/api/index.ts")),
  "src/agent.ts": await importOnly(path.join(ROOT, "src/agent.ts")),
  "src/cli/run.ts": await importOnly(path.join(ROOT, "src/cli/run.ts")),
};
console.log(imports);

console.log("compiling the sources to JavaScript with tsc (for the comparison only)");
const tsc = spawnSync(
  path.join(ROOT, "node_modules/.bin/tsc"),
  ["-p", "tsconfig.json", "--noEmit", "false", "--outDir", jsDir, "--sourceMap", "false"],
  { cwd: ROOT, encoding: "utf8", timeout: 300_000 },
);
const jsMain = path.join(jsDir, "src/cli/main.js");
// tsc reports others' type errors but still emits; only missing output is fatal here.
if (tsc.error) throw tsc.error;

await buildImages(docker);
await cleanup(docker, evLabel(APP));
await mkdir(path.dirname(target), { recursive: true });
await writeFile(target, composeText("v1"));
const env = {
  ...process.env,
  EDGEVISOR_STATE_DIR: path.join(probeDir, "state"),
  EDGEVISOR_LOCK_DIR: path.join(probeDir, "locks"),
};
const runArgs = [
  "run",
  "--target",
  target,
  "--resync",
  "10",
  "--test-window",
  "5",
  "--api-port",
  "0",
];
const daemons: Record<string, number> = {};
try {
  // Every variant finds the release running: converging is not part of "idle".
  const apply = spawnSync(
    process.execPath,
    [path.join(ROOT, "src/cli/main.ts"), "apply", path.dirname(target), "--app", APP],
    { cwd: ROOT, env, encoding: "utf8", timeout: 180_000 },
  );
  if (apply.status !== 0) throw new Error(`apply failed:\n${apply.stdout}${apply.stderr}`);
  const variants: [string, string][] = [
    ["TypeScript stripped at run time (as shipped)", path.join(ROOT, "src/cli/main.ts")],
    ["JavaScript compiled ahead of time by tsc", jsMain],
  ];
  for (const [name, entry] of variants) {
    daemons[name] = await rssOf([entry, ...runArgs], settleS, env);
    await assertRunning(docker, evLabel(APP), "v1");
    console.log(`${name}: ${daemons[name]} MB`);
  }
} finally {
  await cleanup(docker, evLabel(APP));
}
const result = { settleS, importsMb: imports, idleDaemonMb: daemons };
await writeFile(path.join(WORK, "rss-breakdown.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
