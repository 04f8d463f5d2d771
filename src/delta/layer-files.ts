// Encode one layer tar into two blob files (op stream, compressed literal stream), with
// their digests. Bounded memory: the tar is read from disk in 1 MiB pieces.
import { createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import zlib from "node:zlib";
import { LayerEncoder } from "./encode.ts";
import type { BlobRef } from "./manifest.ts";
import { ENCODER_RSS_BUDGET, keepRssUnder } from "./native-memory.ts";
import { LIT_WINDOW_LOG, OPS_WINDOW_LOG } from "./ops.ts";
import { Sink } from "./sink.ts";
import type { EncodeTuning } from "./frame-pool.ts";
import type { BaseCatalog, LayerEncodeStats } from "./types.ts";
import { createHash } from "node:crypto";
import { Transform } from "node:stream";

export interface EncodedLayer {
  ops: { ref: BlobRef; file: string };
  lit: { ref: BlobRef; file: string };
  stats: LayerEncodeStats;
}

function hashingCounter(): { stream: Transform; result: () => BlobRef } {
  const h = createHash("sha256");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, result: () => ({ digest: `sha256:${h.digest("hex")}`, size }) };
}

/** A zstd-compressed blob file being written: a Sink for the raw bytes, and its ref. */
export function compressedBlob(file: string, level: number, windowLog: number) {
  const zstd = zlib.createZstdCompress({
    params: {
      [zlib.constants.ZSTD_c_compressionLevel]: level,
      [zlib.constants.ZSTD_c_windowLog]: windowLog,
      // Level 19 would size its match tables for any input (chainLog 24: 64 MiB); these
      // streams live for a whole layer next to patch contexts, so cap them (create RSS).
      ...(level >= 16
        ? {
            [zlib.constants.ZSTD_c_chainLog]: Math.min(22, windowLog),
            [zlib.constants.ZSTD_c_hashLog]: Math.min(20, windowLog - 1),
          }
        : {}),
      [zlib.constants.ZSTD_c_checksumFlag]: 0,
    },
  });
  const counter = hashingCounter();
  const out = createWriteStream(file);
  zstd.pipe(counter.stream).pipe(out);
  const sink = new Sink(zstd);
  return {
    sink,
    end: async (): Promise<{ ref: BlobRef; file: string }> => {
      await sink.settled();
      zstd.end();
      await finished(out);
      zstd.close();
      return { file, ref: counter.result() };
    },
    abort: () => {
      zstd.destroy();
      out.destroy();
    },
  };
}

export async function encodeLayerFile(
  tarFile: string,
  base: BaseCatalog,
  workDir: string,
  name: string,
  tuning: EncodeTuning,
  onBytes?: (done: number) => void,
): Promise<EncodedLayer> {
  const ops = compressedBlob(join(workDir, `${name}.ops`), tuning.level, OPS_WINDOW_LOG);
  const lit = compressedBlob(join(workDir, `${name}.lit`), tuning.level, LIT_WINDOW_LOG);
  const fh = await open(tarFile, "r");
  let stats: LayerEncodeStats;
  try {
    const { size } = await fh.stat();
    stats = await new LayerEncoder(fh, size, base, { ops: ops.sink, lit: lit.sink }, tuning).run(
      onBytes,
    );
  } catch (e) {
    ops.abort();
    lit.abort();
    throw e;
  } finally {
    await fh.close();
  }
  const [opsBlob, litBlob] = await Promise.all([ops.end(), lit.end()]);
  keepRssUnder(ENCODER_RSS_BUDGET);
  return { ops: opsBlob, lit: litBlob, stats };
}
