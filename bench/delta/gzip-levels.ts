// Size and time of the rebuilt-layer gzip layout (src/images/layer-gzip.ts) at several
// levels and chunk sizes, for choosing the level a delta records.
//   node bench/delta/gzip-levels.ts FILE [LEVELS=1,4,5,6] [CHUNK=1048576]
import { createReadStream } from "node:fs";
import { gzipChunked } from "../../src/images/layer-gzip.ts";

const [file, levels = "1,4,5,6", chunk = String(1 << 20)] = process.argv.slice(2);
if (!file) throw new Error("usage: gzip-levels.ts FILE [LEVELS] [CHUNK]");
for (const level of levels.split(",").map(Number)) {
  const t0 = performance.now();
  let size = 0;
  const source = createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
  for await (const c of gzipChunked(source, { level, chunkSize: Number(chunk) })) size += c.length;
  const s = ((performance.now() - t0) / 1000).toFixed(2);
  console.log(`level ${level}, chunks of ${chunk}: ${(size / 1048576).toFixed(2)} MiB in ${s} s`);
}
