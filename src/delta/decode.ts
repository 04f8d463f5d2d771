// Decoder: replays an op stream against the literal stream and the base files, yielding
// the rebuilt tar bytes in order. Memory stays bounded: the literal stream's zstd window
// (8 MiB), one patch dictionary (≤ 12 MiB, plus zstd's copy) and one segment (≤ 4 MiB).
import { createHash } from "node:crypto";
import { pipeline, Readable } from "node:stream";
import zlib from "node:zlib";
import { EvError } from "../errors.ts";
import { ByteReader } from "./byte-reader.ts";
import { DECODER_GC_STEP, GrowthCollector } from "./native-memory.ts";
import {
  LIT_WINDOW_LOG,
  MAX_DICT,
  MAX_PATH,
  OPS_WINDOW_LOG,
  OP_COPY,
  OP_END,
  OP_LIT,
  OP_PATCH,
  OP_REFPATCH,
  PATCH_WINDOW_LOG_MAX,
  SEGMENT,
} from "./ops.ts";
import type { BaseReader } from "./types.ts";

/** Output chunk size: small, so backpressure holds down to the engine's socket. */
const OUT_CHUNK = 64 << 10;

export interface DecodeInput {
  /** The op stream (raw bytes). */
  ops: AsyncIterable<Buffer>;
  /** The literal stream (zstd-compressed, as stored in the delta). */
  lit: AsyncIterable<Buffer>;
  base: BaseReader;
  /** Names the layer in errors. */
  what: string;
}

function invalid(what: string, message: string): EvError {
  return new EvError("EV_DELTA_INVALID", `${what}: ${message}`, {
    hint: "the delta is corrupt or was made by an incompatible version",
  });
}

async function readPath(r: ByteReader, what: string): Promise<string> {
  const len = await r.readVarint();
  if (len === 0 || len > MAX_PATH) throw invalid(what, `path length ${len} out of range`);
  return (await r.readExact(len)).toString("utf8");
}

async function readDir(r: ByteReader, what: string): Promise<string> {
  const len = await r.readVarint();
  if (len > MAX_PATH) throw invalid(what, `path length ${len} out of range`);
  return (await r.readExact(len)).toString("utf8");
}

/**
 * Slices of a base file at non-decreasing offsets, reading it once, in one buffer of at
 * most MAX_DICT bytes that is shifted in place (no second copy while it slides).
 */
class SlidingFile {
  private buf: Buffer | undefined;
  private len = 0;
  private bufStart = 0;
  private readonly reader: ByteReader;
  private readonly capacity: number;

  constructor(reader: ByteReader, fileSize: number) {
    this.reader = reader;
    this.capacity = Math.min(MAX_DICT, fileSize);
  }

  async slice(start: number, end: number): Promise<Buffer> {
    if (start < this.bufStart) throw new Error("slices must not go backwards");
    const size = end - start;
    if (size > this.capacity) throw new Error("slice larger than the window");
    // As large as the largest slice so far, not the format's limit: the encoder's
    // dictionaries span 8 MiB, the limit is 12 (4 MiB of RSS on a device).
    if (!this.buf || this.buf.length < size) {
      const grown = Buffer.allocUnsafe(Math.min(this.capacity, roundUp(size, 1 << 20)));
      if (this.buf) this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    const drop = start - this.bufStart;
    if (drop >= this.len) {
      for await (const _ of this.reader.chunks(drop - this.len));
      this.len = 0;
    } else if (drop > 0) {
      this.buf.copyWithin(0, drop, this.len);
      this.len -= drop;
    }
    this.bufStart = start;
    if (this.len < size)
      for await (const c of this.reader.chunks(size - this.len))
        this.len += c.copy(this.buf, this.len);
    return this.buf.subarray(0, size);
  }
}

function roundUp(n: number, unit: number): number {
  return Math.ceil(n / unit) * unit;
}

const BASE_DIFFERS = {
  code: "EV_DIGEST_MISMATCH",
  hint: "the base image on this device differs from the one the delta was made from",
} as const;

async function openBase(base: BaseReader, path: string, size: number): Promise<ByteReader> {
  const source = await base.open(path);
  return new ByteReader(source, `base file /${path} (expected ${size} bytes)`, BASE_DIFFERS);
}

/** Rebuild one layer tar as a sequence of chunks. */
function unzstd(source: AsyncIterable<Buffer>, windowLog: number): Readable {
  return pipeline(
    Readable.from(source),
    zlib.createZstdDecompress({
      params: { [zlib.constants.ZSTD_d_windowLogMax]: windowLog },
      chunkSize: OUT_CHUNK,
    }),
    () => {},
  );
}

export async function* decodeLayer(input: DecodeInput): AsyncGenerator<Buffer> {
  const { what } = input;
  const opsStream = unzstd(input.ops, OPS_WINDOW_LOG);
  const ops = new ByteReader(opsStream, `${what} op stream`);
  const litStream = unzstd(input.lit, LIT_WINDOW_LOG);
  const lit = new ByteReader(litStream, `${what} literal stream`);
  const memory = new GrowthCollector(DECODER_GC_STEP);
  try {
    while (true) {
      const op = await ops.readByte();
      if (op === OP_END) break;
      if (op === OP_LIT) {
        yield* lit.chunks(await ops.readVarint());
      } else if (op === OP_COPY) {
        const path = await readPath(ops, what);
        const size = await ops.readVarint();
        const file = await openBase(input.base, path, size);
        try {
          yield* file.chunks(size);
          if (!(await file.atEnd()))
            throw new EvError("EV_DIGEST_MISMATCH", `base file /${path} is larger than ${size}`, {
              hint: "the base image on this device differs from the one the delta was made from",
            });
        } finally {
          await file.close();
        }
      } else if (op === OP_PATCH) {
        yield* patch(ops, input.base, what, memory);
      } else if (op === OP_REFPATCH) {
        yield* patch(ops, input.base, what, memory, true);
      } else {
        throw invalid(what, `unknown op ${op} at byte ${ops.consumed - 1}`);
      }
    }
    if (!(await ops.atEnd())) throw invalid(what, "bytes after the END op");
    if (!(await lit.atEnd())) throw invalid(what, "literal stream longer than its ops use");
  } finally {
    litStream.destroy();
    opsStream.destroy();
    await ops.close();
    memory.collectWhenGrown();
  }
}

async function* patch(
  ops: ByteReader,
  base: BaseReader,
  what: string,
  memory: GrowthCollector,
  fromArchive = false,
): AsyncGenerator<Buffer> {
  const path = fromArchive ? await readDir(ops, what) : await readPath(ops, what);
  const oldSize = await ops.readVarint();
  const newSize = await ops.readVarint();
  const segments = await ops.readVarint();
  if (segments !== Math.max(1, Math.ceil(newSize / SEGMENT)))
    throw invalid(what, `patch of /${path}: ${segments} segments for ${newSize} bytes`);
  let file: ByteReader;
  if (fromArchive) {
    if (!base.openArchive) throw invalid(what, "base reader cannot render archives");
    file = new ByteReader(
      await base.openArchive(path),
      `archive of base directory /${path} (expected ${oldSize} bytes)`,
      {
        code: "EV_DIGEST_MISMATCH",
        hint: "this engine renders the base's archive differently from the engine the delta was made on, or the base differs",
      },
    );
  } else {
    file = await openBase(base, path, oldSize);
  }
  try {
    const sliding = new SlidingFile(file, oldSize);
    let lastStart = 0;
    let produced = 0;
    for (let k = 0; k < segments; k++) {
      const ds = await ops.readVarint();
      const de = await ops.readVarint();
      const segLen = await ops.readVarint();
      const frameLen = await ops.readVarint();
      if (ds < lastStart || de < ds || de > oldSize || de - ds > MAX_DICT)
        throw invalid(what, `patch of /${path}: dictionary range ${ds}-${de} out of bounds`);
      if (segLen === 0 || segLen > SEGMENT || frameLen > segLen + (1 << 20))
        throw invalid(what, `patch of /${path}: segment of ${segLen} bytes in ${frameLen}`);
      lastStart = ds;
      const dict = await sliding.slice(ds, de);
      const frame = await ops.readExact(frameLen);
      let out: Buffer;
      try {
        // Synchronous on purpose: a threadpool thread would keep its own malloc arena
        // with the freed dictionary in it (measured: +90 MiB RSS on a 130 MB file).
        // One output buffer larger than the segment: node:zlib then returns a slice of it.
        // With the default 16 KiB chunks it would hold the segment twice (chunks + concat).
        out = zlib.zstdDecompressSync(frame, {
          params: { [zlib.constants.ZSTD_d_windowLogMax]: PATCH_WINDOW_LOG_MAX },
          maxOutputLength: segLen,
          chunkSize: segLen + 64,
          ...(dict.length > 0 ? { dictionary: dict } : {}),
        });
      } catch (e) {
        throw new EvError(
          "EV_DIGEST_MISMATCH",
          `patch of /${path} does not apply: ${(e as Error).message}`,
          {
            cause: e,
            hint: "the base image on this device differs from the one the delta was made from",
          },
        );
      }
      const got = out.length;
      for (let i = 0; i < out.length; i += OUT_CHUNK) yield out.subarray(i, i + OUT_CHUNK);
      if (got !== segLen)
        throw invalid(what, `patch of /${path}: segment gave ${got}, not ${segLen} bytes`);
      produced += got;
      memory.collectWhenGrown(dict.length + segLen);
    }
    if (produced !== newSize) throw invalid(what, `patch of /${path}: wrong total size`);
  } finally {
    await file.close();
  }
}

/**
 * Rebuild a layer and check it: exactly `size` bytes whose sha256 is `sha256` (hex).
 * The last chunk is only released after the check passes.
 */
export async function* decodeLayerVerified(
  input: DecodeInput,
  size: number,
  sha256: string,
): AsyncGenerator<Buffer> {
  const hash = createHash("sha256");
  let total = 0;
  let held: Buffer | undefined;
  for await (const chunk of decodeLayer(input)) {
    hash.update(chunk);
    total += chunk.length;
    if (total > size)
      throw new EvError("EV_DIGEST_MISMATCH", `${input.what}: rebuilt more than ${size} bytes`);
    if (held) yield held;
    held = chunk;
  }
  const actual = hash.digest("hex");
  if (total !== size || actual !== sha256)
    throw new EvError(
      "EV_DIGEST_MISMATCH",
      `${input.what}: rebuilt layer is sha256:${actual} (${total} bytes), expected sha256:${sha256} (${size} bytes)`,
      { hint: "the base image on this device differs from the one the delta was made from" },
    );
  if (held) yield held;
}

/**
 * The base files an op stream reads, in order (one entry per COPY or PATCH), without
 * decoding anything: lets a reader plan how to fetch them.
 */
export async function basePathsOf(
  opsSource: AsyncIterable<Buffer>,
  what: string,
): Promise<string[]> {
  const opsStream = unzstd(opsSource, OPS_WINDOW_LOG);
  const ops = new ByteReader(opsStream, `${what} op stream`);
  const paths: string[] = [];
  try {
    while (true) {
      const op = await ops.readByte();
      if (op === OP_END) return paths;
      if (op === OP_LIT) {
        await ops.readVarint();
      } else if (op === OP_COPY) {
        paths.push(await readPath(ops, what));
        await ops.readVarint();
      } else if (op === OP_PATCH || op === OP_REFPATCH) {
        if (op === OP_PATCH) paths.push(await readPath(ops, what));
        else await readDir(ops, what);
        await ops.readVarint();
        await ops.readVarint();
        const segments = await ops.readVarint();
        for (let k = 0; k < segments; k++) {
          for (let f = 0; f < 3; f++) await ops.readVarint();
          for await (const _ of ops.chunks(await ops.readVarint()));
        }
      } else {
        throw invalid(what, `unknown op ${op} at byte ${ops.consumed - 1}`);
      }
    }
  } finally {
    opsStream.destroy();
    await ops.close();
  }
}
