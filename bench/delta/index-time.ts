// Time of the base index (src/images/rootfs-index.ts) on a pair's saved layers, after
// `KEEP=1 npm run bench:delta` (bench/.work/delta/work/PAIR/layers.txt lists them).
//   node bench/delta/index-time.ts app
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RootfsIndex } from "../../src/images/rootfs-index.ts";

const pair = process.argv[2] ?? "app";
const dir = join(import.meta.dirname, "../.work/delta/work", pair);
const layers = readFileSync(join(dir, "layers.txt"), "utf8")
  .split("\n")
  .filter((l) => l.startsWith("old "))
  .map((l) => l.slice(4));
const t0 = performance.now();
const c0 = process.cpuUsage();
const index = await RootfsIndex.build(layers);
const c = process.cpuUsage(c0);
console.log(
  `${pair}: ${index.size} files, ${((performance.now() - t0) / 1000).toFixed(2)} s wall, ` +
    `${((c.user + c.system) / 1e6).toFixed(2)} s CPU`,
);
await index.close();
