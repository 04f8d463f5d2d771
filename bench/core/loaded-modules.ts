// Which modules the idle daemon has loaded: `bin/edgevisor.js run` (dist/, as shipped)
// converges the ten-service release, settles, and then lists every module it loaded, with
// the size of its source, grouped by package (node_modules) or by directory of dist/. A
// module the idle agent does not need is a candidate for loading on first use.
//
// A small hook given with `node --import` registers a synchronous module.registerHooks
// `load` hook (it sees import and require alike, in the daemon's own thread) and writes its
// list, plus process.moduleLoadList (Node's built-in modules), on SIGUSR2.
//
//   node bench/core/loaded-modules.ts [settleSeconds=15] [--files]
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
  prepareApp,
  runArgs,
  spawnNode,
  waitConverged,
} from "./fixture.ts";

const settleS = Number(process.argv[2] ?? 15);
const listFiles = process.argv.includes("--files");
const APP = "evbench-mods";

const HOOK = `import { registerHooks } from "node:module";
import { writeFileSync } from "node:fs";
const seen = new Map();
registerHooks({
  load(url, context, next) {
    const r = next(url, context);
    const src = r.source;
    if (!seen.has(url)) seen.set(url, src == null ? 0 : typeof src === "string" ? Buffer.byteLength(src) : src.byteLength);
    return r;
  },
});
process.on("SIGUSR2", () =>
  writeFileSync(process.env.EV_MODULES_OUT, JSON.stringify({ modules: [...seen], builtins: process.moduleLoadList })),
);
`;

const hook = path.join(WORK, "loaded-modules-hook.mjs");
const out = path.join(WORK, "loaded-modules-raw.json");
const docker = engineDocker();
buildDist();
const fx = await prepareApp(docker, APP);
await writeFile(hook, HOOK);
const daemon = spawnNode(
  ["--import", hook, path.join(ROOT, "bin/edgevisor.js"), ...runArgs(fx.target, 10)],
  { ...fx.env, EV_MODULES_OUT: out },
);
let raw: { modules: [string, number][]; builtins: string[] };
try {
  await waitConverged(docker, daemon, APP);
  await sleep(settleS * 1000);
  process.kill(daemon.pid, "SIGUSR2");
  await sleep(500);
  raw = JSON.parse(await readFile(out, "utf8")) as typeof raw;
} finally {
  await daemon.stop();
  await cleanup(docker, evLabel(APP));
}

/** node_modules/<pkg> (scoped too), dist/<dir>, or the file itself. */
function groupOf(url: string): string {
  if (url.startsWith("node:")) return "node: built-ins";
  const file = url.startsWith("file://") ? new URL(url).pathname : url;
  const nm = file.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const parts = file.slice(nm + "/node_modules/".length).split("/");
    return `node_modules/${parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  const rel = path.relative(ROOT, file);
  const parts = rel.split(path.sep);
  return parts.length > 2 ? `${parts[0]}/${parts[1]}/` : rel;
}

const groups = new Map<string, { files: number; kb: number; list: string[] }>();
for (const [url, bytes] of raw.modules) {
  const g = groupOf(url);
  const e = groups.get(g) ?? { files: 0, kb: 0, list: [] };
  e.files++;
  e.kb += bytes / 1024;
  e.list.push(url.startsWith("file://") ? path.relative(ROOT, new URL(url).pathname) : url);
  groups.set(g, e);
}
const rows = [...groups].sort((a, b) => b[1].kb - a[1].kb);
const nodeBuiltins = raw.builtins.filter((b) => b.startsWith("NativeModule "));
const result = {
  settleS,
  modules: raw.modules.length,
  sourceKb: Math.round(rows.reduce((s, [, e]) => s + e.kb, 0)),
  nodeBuiltinsLoaded: nodeBuiltins.length,
  publicBuiltins: nodeBuiltins
    .map((b) => b.slice("NativeModule ".length))
    .filter((b) => !b.startsWith("internal/")),
  groups: Object.fromEntries(
    rows.map(([g, e]) => [g, { files: e.files, sourceKb: Math.round(e.kb), list: e.list }]),
  ),
};
await writeFile(path.join(WORK, "loaded-modules.json"), `${JSON.stringify(result, null, 2)}\n`);
console.log(
  `${result.modules} modules (${result.sourceKb} kB of source), ${result.nodeBuiltinsLoaded} Node built-ins`,
);
for (const [g, e] of rows) {
  console.log(
    `${String(e.files).padStart(4)} files ${String(Math.round(e.kb)).padStart(6)} kB  ${g}`,
  );
  if (listFiles) for (const f of e.list) console.log(`                        ${f}`);
}
console.log(`built-ins: ${result.publicBuiltins.join(" ")}`);
