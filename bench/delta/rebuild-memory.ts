// Where the device's rebuild memory goes, without an engine: rebuild (and gzip, as a load
// would) every shipped layer of DELTA, reading base files from a directory holding the
// base's filesystem (or single files mapped by --file PATH=HOSTFILE), and sample
// process.memoryUsage() every 10 ms. Prints the peak of each figure above the baseline
// taken right before the rebuild.
//   node bench/delta/rebuild-memory.ts DELTA.tar --file usr/local/bin/node=bench/.work/delta/src/node-old/node [--gzip-level 0]
import { createReadStream } from "node:fs";
import { blobStream, openDelta } from "../../src/delta/container.ts";
import { decodeLayerVerified } from "../../src/delta/decode.ts";
import { hexOf } from "../../src/images/digest.ts";
import { DEFAULT_GZIP_LAYOUT, gzipChunked } from "../../src/images/layer-gzip.ts";

const args = process.argv.slice(2);
const file = args[0]!;
const map = new Map<string, string>();
let level = DEFAULT_GZIP_LAYOUT.level;
for (let i = 1; i < args.length; i++) {
  if (args[i] === "--file") {
    const [k, v] = args[++i]!.split("=");
    map.set(k!, v!);
  } else if (args[i] === "--gzip-level") level = Number(args[++i]);
}
const base = {
  open: async (p: string) => {
    const host = map.get(p);
    if (!host) throw new Error(`no host file for base path ${p}`);
    return createReadStream(host, { highWaterMark: 64 << 10 }) as AsyncIterable<Buffer>;
  },
};
const delta = await openDelta(file);
const mb = (n: number) => (n / 1048576).toFixed(1);
const before = process.memoryUsage();
const peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const timer = setInterval(() => {
  const u = process.memoryUsage();
  for (const k of Object.keys(peak) as Array<keyof typeof peak>) peak[k] = Math.max(peak[k], u[k]);
}, 10);
const t0 = performance.now();
let out = 0;
for (const [index, layer] of delta.manifest.layers.entries()) {
  if (layer.source !== "delta") continue;
  const raw = decodeLayerVerified(
    {
      ops: blobStream(delta, layer.ops),
      lit: blobStream(delta, layer.lit),
      base,
      what: `layer ${index + 1}`,
    },
    layer.size,
    hexOf(layer.diffId),
  );
  const bytes = level === 0 ? raw : gzipChunked(raw, { ...DEFAULT_GZIP_LAYOUT, level });
  for await (const c of bytes) out += c.length;
}
clearInterval(timer);
console.log(
  `rebuilt in ${((performance.now() - t0) / 1000).toFixed(2)} s, ${mb(out)} MiB out; before: rss ${mb(before.rss)}, ` +
    `arrayBuffers ${mb(before.arrayBuffers)}, external ${mb(before.external)}; peak above: ` +
    Object.entries(peak)
      .map(([k, v]) => `${k} +${mb(v - before[k as keyof typeof before])}`)
      .join(", "),
);
