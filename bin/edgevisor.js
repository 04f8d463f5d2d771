#!/usr/bin/env node
// Thin launcher: the sources are TypeScript run by Node 24's type stripping.
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(
    `edgevisor needs Node.js 24 (found ${process.versions.node}). Run it through "npm run edgevisor --" or node_modules/.bin/node.`,
  );
  process.exit(1);
}
await import("../src/cli/main.ts");
