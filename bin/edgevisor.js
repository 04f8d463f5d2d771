#!/usr/bin/env node
// Thin launcher: the sources are TypeScript run by Node 24's type stripping.
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(
    `edgevisor needs Node.js 24 (found ${process.versions.node}). Run it through "npm run edgevisor --" or node_modules/.bin/node.`,
  );
  process.exit(1);
}
// Cap the V8 heap (src/guards/agent-self.ts explains the figures): re-exec this same process
// image once with the flags, unless they were given (command line or NODE_OPTIONS).
const { heapFlags } = await import("../src/guards/agent-self.ts");
const flags = heapFlags(process.execArgv, process.env);
if (flags.length > 0 && typeof process.execve === "function" && process.argv[1]) {
  try {
    // The environment must be passed: execve's default is an empty one.
    process.execve(
      process.execPath,
      [process.execPath, ...process.execArgv, ...flags, process.argv[1], ...process.argv.slice(2)],
      process.env,
    );
  } catch (e) {
    console.error(`edgevisor: running without the heap cap (${e.message})`);
  }
}
// main.ts runs itself only as the entry module (import.meta.main), so call it here.
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv);
