#!/usr/bin/env node
// The device launcher. It runs the JavaScript compiled ahead of time into dist/ (`npm run
// build`, which `npm ci` runs through "prepare"): Node then never strips types at run time,
// which costs start-up CPU and ~25 MB of resident memory in the idle agent
// (docs/benchmarks.md, core RSS). Without dist/ it runs the TypeScript sources and says so.
import { existsSync, readdirSync, statSync } from "node:fs";
import { URL } from "node:url";

const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(
    `edgevisor needs Node.js 24 (found ${process.versions.node}). Run it through "npm run edgevisor --" or node_modules/.bin/node.`,
  );
  process.exit(1);
}

const root = new URL("../", import.meta.url);
const built = existsSync(new URL("dist/cli/main.js", root));
// EDGEVISOR_FROM_SOURCE=1: a developer's choice to run src/ even with a build present.
const fromSource = process.env.EDGEVISOR_FROM_SOURCE === "1" || !built;
const entry = (module) =>
  fromSource ? new URL(`src/${module}.ts`, root) : new URL(`dist/${module}.js`, root);

// Cap the V8 heap and set glibc's malloc up for a small device (src/guards/agent-self.ts
// explains the figures): re-exec this same process image once with the flags and the
// environment, unless they were given (command line, NODE_OPTIONS, GLIBC_TUNABLES).
// glibc's malloc reads its settings at start-up only: they come with the same re-exec.
const { heapFlags, mallocEnv } = await import(entry("guards/agent-self"));
const flags = heapFlags(process.execArgv, process.env);
const env = mallocEnv(process.env);
const reexec = flags.length > 0 || Object.keys(env).length > 0;
if (reexec && typeof process.execve === "function" && process.argv[1]) {
  try {
    // The environment must be passed: execve's default is an empty one.
    process.execve(
      process.execPath,
      [process.execPath, ...process.execArgv, ...flags, process.argv[1], ...process.argv.slice(2)],
      { ...process.env, ...env },
    );
  } catch (e) {
    console.error(`edgevisor: running without the heap cap (${e.message})`);
  }
}

// Warnings only in the final process (after the re-exec), so they are printed once.
if (!built && process.env.EDGEVISOR_FROM_SOURCE !== "1")
  console.error(
    "edgevisor: dist/ is missing, running the TypeScript sources (slower start, more memory); `npm run build` compiles them",
  );
else if (!fromSource && existsSync(new URL(".git", root))) warnIfStale();

// main.ts runs itself only as the entry module (import.meta.main), so call it here.
const { main } = await import(entry("cli/main"));
process.exitCode = await main(process.argv);

/**
 * In a git checkout (a developer's, never a device's install), a source file edited after the
 * last build means dist/ runs old code: say so. Stats ~230 files, 10-25 ms of start-up.
 */
function warnIfStale() {
  const stamp = new URL("dist/.tsbuildinfo", root);
  if (!existsSync(stamp)) return;
  const builtAt = statSync(stamp).mtimeMs;
  const src = new URL("src/", root);
  const newer = readdirSync(src, { recursive: true }).find(
    (f) => f.endsWith(".ts") && statSync(new URL(f, src)).mtimeMs > builtAt,
  );
  if (newer)
    console.error(
      `edgevisor: src/${newer} changed after the last build; dist/ runs the old code until \`npm run build\` (or set EDGEVISOR_FROM_SOURCE=1)`,
    );
}
