// The floor under the idle agent's RSS: fresh Node 24 processes (the project's own binary,
// with the agent's heap flags) that each do a little more of what any agent must do — serve
// HTTP on loopback, ask the engine over its unix socket — with no edgevisor code at all.
// Whatever these cost, no Node agent can go below. VmRSS, RssAnon (private memory) and
// RssFile (pages of the node binary and libraries: clean, shared, reclaimable) are read from
// /proc/<pid>/status once the process has settled.
//
//   node bench/core/rss-floor.ts [settleMs=1500]     (DOCKER_HOST: the private engine)
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const settleMs = Number(process.argv[2] ?? 1500);
if (!(settleMs >= 200 && settleMs <= 60_000)) throw new Error("settleMs: 200..60000");
const host = process.env.DOCKER_HOST ?? "";
if (!host.startsWith("unix://")) throw new Error("DOCKER_HOST=unix://… of the private engine");

// One program, told by argv which steps to take; it prints its /proc/self/status figures.
const PROBE = String.raw`
const steps = process.argv.slice(1);
const http = steps.some((s) => s !== "bare") ? await import("node:http") : undefined;
let port = 0;
const get = (opts) => new Promise((resolve, reject) => {
  const req = http.get(opts, (r) => { r.resume(); r.on("end", resolve); });
  req.on("error", reject);
  req.setTimeout(5000, () => req.destroy(new Error("timeout")));
});
for (const s of steps) {
  if (s === "server") {
    const srv = http.createServer((q, r) => r.end('{"ok":true}'));
    await new Promise((r) => srv.listen(0, "127.0.0.1", r));
    port = srv.address().port;
  } else if (s === "fastify") {
    const f = (await import("fastify")).default({ logger: false });
    f.get("/x", async () => ({ ok: true }));
    await f.listen({ port: 0, host: "127.0.0.1" });
    port = f.server.address().port;
  } else if (s === "request") {
    for (let i = 0; i < 10; i++) await get({ host: "127.0.0.1", port, path: "/x" });
  } else if (s === "engine") {
    for (let i = 0; i < 10; i++)
      await get({ socketPath: process.env.DOCKER_HOST.slice(7), path: "/v1.41/containers/json" });
  } else if (s === "yaml") {
    (await import("yaml")).parse("a: [1, 2]\n");
  }
}
setTimeout(async () => {
  const status = (await import("node:fs")).readFileSync("/proc/self/status", "utf8");
  const kb = (k) => Number(new RegExp("^" + k + ":\\s+(\\d+)", "m").exec(status)[1]);
  console.log(JSON.stringify({ vmRss: kb("VmRSS"), rssAnon: kb("RssAnon"), rssFile: kb("RssFile") }));
  process.exit(0);
}, ${settleMs});
`;

const variants: [string, string[]][] = [
  ["node, nothing loaded", ["bare"]],
  ["+ node:http imported", ["import"]],
  ["+ an HTTP server on loopback answering 10 requests", ["server", "request"]],
  ["+ 10 requests to the engine's unix socket", ["server", "request", "engine"]],
  ["+ yaml parsed", ["server", "request", "engine", "yaml"]],
  ["same with fastify instead of node:http's server", ["fastify", "request", "engine", "yaml"]],
];

const mb = (kb: number) => (kb / 1024).toFixed(1);
console.log(`node ${process.version}, flags --max-old-space-size=96 --max-semi-space-size=1`);
console.log("| process | VmRSS MB | RssAnon MB | RssFile MB |");
console.log("| --- | ---: | ---: | ---: |");
for (const [name, steps] of variants) {
  const r = spawnSync(
    process.execPath,
    [
      "--max-old-space-size=96",
      "--max-semi-space-size=1",
      "--input-type=module",
      "-e",
      PROBE,
      ...steps,
    ],
    // cwd: the project, so `fastify` and `yaml` resolve from its node_modules.
    { cwd: path.join(ROOT), encoding: "utf8", timeout: 30_000 },
  );
  if (r.status !== 0) throw new Error(`${name}: exit ${r.status}\n${r.stderr}`);
  const m = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, number>;
  console.log(`| ${name} | ${mb(m.vmRss!)} | ${mb(m.rssAnon!)} | ${mb(m.rssFile!)} |`);
}
