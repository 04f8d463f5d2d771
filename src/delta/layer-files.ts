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
import { LIT_WINDOW_LOG } from "./ops.ts";
import { Sink } from "./sink.ts";
import type { BaseCatalog, CodecTuning, LayerEncodeStats } from "./types.ts";
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

export async function encodeLayerFile(
  tarFile: string,
  base: BaseCatalog,
  workDir: string,
  name: string,
  tuning: CodecTuning,
  onBytes?: (done: number) => void,
): Promise<EncodedLayer> {
  const opsFile = join(workDir, `${name}.ops`);
  const litFile = join(workDir, `${name}.lit`);
  const opsOut = createWriteStream(opsFile);
  const opsSink = new Sink(opsOut, { hash: true });
  const zstd = zlib.createZstdCompress({
    params: {
      [zlib.constants.ZSTD_c_compressionLevel]: tuning.level,
      [zlib.constants.ZSTD_c_windowLog]: LIT_WINDOW_LOG,
      [zlib.constants.ZSTD_c_checksumFlag]: 0,
    },
  });
  const litCounter = hashingCounter();
  const litOut = createWriteStream(litFile);
  zstd.pipe(litCounter.stream).pipe(litOut);
  const litSink = new Sink(zstd);
  const fh = await open(tarFile, "r");
  let stats: LayerEncodeStats;
  try {
    const { size } = await fh.stat();
    stats = await new LayerEncoder(fh, size, base, { ops: opsSink, lit: litSink }, tuning).run(
      onBytes,
    );
  } finally {
    await fh.close();
    opsOut.end();
    zstd.end();
  }
  await Promise.all([finished(opsOut), finished(litOut)]);
  zstd.close();
  keepRssUnder(ENCODER_RSS_BUDGET);
  return {
    ops: { file: opsFile, ref: { digest: `sha256:${opsSink.digest()}`, size: opsSink.bytes } },
    lit: { file: litFile, ref: litCounter.result() },
    stats,
  };
}
