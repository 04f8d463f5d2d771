// What a level-19 patch frame costs: the same 8 MiB dictionary (old node binary) with
// segments of 1 KiB to 4 MiB of the new one, and the 4 MiB segment without dictionary.
// Needs the bench's sources (bench/delta/prepare.sh).
//   node bench/delta/frame-cost.ts
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compressSegment } from "../../src/delta/segment-frame.ts";
import { keepRssUnder } from "../../src/delta/native-memory.ts";

const src = join(import.meta.dirname, "../.work/delta/src");
const old = readFileSync(join(src, "node-old/node"));
const neu = readFileSync(join(src, "node-new/node"));
const dict = old.subarray(20 << 20, 28 << 20);
const cases: Array<[string, Buffer, Buffer]> = [
  ...[1 << 10, 256 << 10, 1 << 20, 4 << 20].map((n): [string, Buffer, Buffer] => [
    `${n} B segment`,
    neu.subarray(24 << 20, (24 << 20) + n),
    dict,
  ]),
  ["4 MiB segment, no dictionary", neu.subarray(24 << 20, 28 << 20), Buffer.alloc(0)],
];
for (const [what, segment, d] of cases) {
  const t0 = performance.now();
  const frame = compressSegment(segment, d, 19);
  console.log(`${what}: ${frame.length} B, ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  keepRssUnder(0);
}
