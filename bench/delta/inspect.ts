// Where a delta's bytes go: per shipped layer, the literal stream's size and, from the op
// stream, COPY / PATCH / REFPATCH counts and the largest patches (frame bytes).
//   node bench/delta/inspect.ts DELTA.tar [top=10]
import { Readable } from "node:stream";
import { pipeline } from "node:stream";
import zlib from "node:zlib";
import { blobStream, openDelta } from "../../src/delta/container.ts";
import { ByteReader } from "../../src/delta/byte-reader.ts";
import {
  OP_COPY,
  OP_END,
  OP_LIT,
  OP_PATCH,
  OP_REFPATCH,
  OPS_WINDOW_LOG,
} from "../../src/delta/ops.ts";

const [file, topText] = process.argv.slice(2);
if (!file) throw new Error("usage: inspect.ts DELTA.tar [top]");
const top = Number(topText ?? 10);
const d = await openDelta(file, { trustedKeys: [] });
const m = d.manifest;
console.log(`data blob ${m.data.size} B (config ${m.target.config.size} B)`);

async function str(r: ByteReader): Promise<string> {
  return (await r.readExact(await r.readVarint())).toString("utf8");
}

for (const [i, layer] of m.layers.entries()) {
  if (layer.source !== "delta") {
    console.log(`layer ${i + 1}: shared with the base`);
    continue;
  }
  const opsStream = pipeline(
    Readable.from(blobStream(d, layer.ops)),
    zlib.createZstdDecompress({ params: { [zlib.constants.ZSTD_d_windowLogMax]: OPS_WINDOW_LOG } }),
    () => {},
  );
  const r = new ByteReader(opsStream, "ops");
  const n = { lit: 0, litBytes: 0, copy: 0, copyBytes: 0, patch: 0, refpatch: 0 };
  const patches: {
    kind: string;
    path: string;
    oldSize: number;
    newSize: number;
    frames: number;
  }[] = [];
  for (;;) {
    const op = await r.readByte();
    if (op === OP_END) break;
    if (op === OP_LIT) {
      n.lit++;
      n.litBytes += await r.readVarint();
    } else if (op === OP_COPY) {
      await str(r);
      n.copy++;
      n.copyBytes += await r.readVarint();
    } else if (op === OP_PATCH || op === OP_REFPATCH) {
      const path = await str(r);
      const oldSize = await r.readVarint();
      const newSize = await r.readVarint();
      const k = await r.readVarint();
      let frames = 0;
      for (let s = 0; s < k; s++) {
        await r.readVarint();
        await r.readVarint();
        await r.readVarint();
        const len = await r.readVarint();
        await r.readExact(len);
        frames += len;
      }
      if (op === OP_PATCH) n.patch++;
      else n.refpatch++;
      patches.push({
        kind: op === OP_PATCH ? "PATCH" : "REFPATCH",
        path,
        oldSize,
        newSize,
        frames,
      });
    } else throw new Error(`unknown op ${op}`);
  }
  const frameBytes = patches.reduce((s, p) => s + p.frames, 0);
  console.log(
    `layer ${i + 1}: ${layer.size} B tar; op stream ${layer.ops.size} B (zstd), literal stream ${layer.lit.size} B (zstd) holding ${n.litBytes} B in ${n.lit} runs; ` +
      `${n.copy} COPY (${n.copyBytes} B), ${n.patch} PATCH + ${n.refpatch} REFPATCH with ${frameBytes} B of frames`,
  );
  for (const p of patches.sort((a, b) => b.frames - a.frames).slice(0, top))
    console.log(`  ${p.kind} /${p.path}: ${p.oldSize} → ${p.newSize} B in ${p.frames} B`);
}
