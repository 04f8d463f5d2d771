// Gzip for rebuilt layers, made so that its size can be known before the data: the
// delta's creator compresses each layer the same way and records the size (manifest
// version 2), and the device declares that size in the tar header of its `docker load`
// upload, so each layer is rebuilt and compressed once instead of twice.
//
// The compressed form is one gzip member whose deflate stream is cut into independent
// chunks (pigz's layout): each chunk is compressed on libuv's threadpool with the previous
// 32 KiB as preset dictionary and ends on a byte boundary (a sync flush), the last one
// with the final block. Chunks compress in parallel and the output is the same whatever
// the parallelism; the crc32 of the whole is computed on the main thread. Same zlib, same
// level, same chunk size: same bytes, so the creator's size is the device's size. Another
// zlib build (another Node version, another CPU's SIMD paths) may differ slightly, hence a
// slack in the declared size (declaredGzipSize) and a fallback when it is exceeded.
//
// When the output is smaller than declared, the rest is filled with empty gzip members
// (gzipPadding). Gzip readers read concatenated members (Go's compress/gzip, which
// dockerd uses, and unpigz); empty members add no uncompressed byte, so the layer's DiffID
// is unchanged. The padding goes into a header field, FEXTRA (up to 65,535 bytes), not
// FCOMMENT: Go's reader refuses a comment of 512 bytes or more (ErrHeader).
import { createReadStream } from "node:fs";
import { availableParallelism } from "node:os";
import zlib from "node:zlib";

/** How a layer is compressed: recorded in the manifest so that both sides agree. */
export interface GzipLayout {
  level: number;
  /** Uncompressed bytes per independently compressed chunk. */
  chunkSize: number;
}

/** The layout and the build that made a recorded size (the manifest's `gzip`). */
export interface GzipRecord extends GzipLayout {
  zlib: string;
  arch: string;
}

export function gzipRecord(layout: GzipLayout = DEFAULT_GZIP_LAYOUT): GzipRecord {
  return { ...layout, zlib: process.versions.zlib, arch: process.arch };
}

/**
 * Level 6 (gzip's default, and what `docker push` uses): a lower level makes a larger
 * upload, which `docker load` writes to disk once more than a pull would. 1 MiB chunks:
 * the preset dictionary makes the cut nearly free (measured on a 123 MiB binary:
 * 44.55 MiB vs 44.56 MiB as one stream).
 */
export const DEFAULT_GZIP_LAYOUT: GzipLayout = { level: 6, chunkSize: 1 << 20 };

const WINDOW = 32 << 10;
/** The smallest gzip member: header, an empty final block, crc32 and length. */
export const MIN_MEMBER = 20;
/** Largest member gzipPadding makes: header, XLEN, 65,535 bytes of FEXTRA, block, trailer. */
const MAX_MEMBER = 10 + 2 + 0xffff + 2 + 8;

/** Chunks in flight: one per CPU (the main thread rebuilds while the threadpool deflates). */
function parallelism(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

function deflateChunk(chunk: Buffer, dict: Buffer | undefined, last: boolean, level: number) {
  return new Promise<Buffer>((resolve, reject) =>
    zlib.deflateRaw(
      chunk,
      {
        level,
        // One output buffer (deflate's bound for the chunk): node:zlib returns a slice of
        // it instead of 16 KiB pieces plus their concatenation.
        chunkSize: chunk.length + (chunk.length >> 3) + 1024,
        ...(dict ? { dictionary: dict } : {}),
        finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
      },
      (e, out) => (e ? reject(e) : resolve(out)),
    ),
  );
}

const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);

/**
 * Re-cut a stream into buffers of exactly `size` bytes (the last one shorter), taken from
 * `take` so that the caller can recycle them (a 1 MiB garbage buffer per chunk would pile
 * up between collections: measured +10 MiB of RSS on a 118 MiB layer).
 */
async function* rechunk(
  source: AsyncIterable<Buffer>,
  size: number,
  take: () => Buffer,
): AsyncGenerator<Buffer> {
  let buf = take();
  let len = 0;
  for await (const c of source) {
    let pos = 0;
    while (pos < c.length) {
      const n = c.copy(buf, len, pos, Math.min(c.length, pos + size - len));
      pos += n;
      len += n;
      if (len === size) {
        yield buf;
        buf = take();
        len = 0;
      }
    }
  }
  yield buf.subarray(0, len);
}

/**
 * Gzip a stream in the layout above. Yields the compressed bytes in order; at most
 * `parallelism()` chunks are in memory (input and output) at a time.
 */
export async function* gzipChunked(
  source: AsyncIterable<Buffer>,
  layout: GzipLayout = DEFAULT_GZIP_LAYOUT,
): AsyncGenerator<Buffer> {
  yield HEADER;
  let crc = 0;
  let total = 0;
  let prevTail: Buffer | undefined;
  const inflight: Array<{ out: Promise<Buffer>; input: Buffer }> = [];
  const free: Buffer[] = [];
  const take = () => free.pop() ?? Buffer.allocUnsafe(layout.chunkSize);
  const width = parallelism();
  // One chunk of look-ahead tells which chunk is the last (it needs the final block).
  let pending: Buffer | undefined;
  const send = (chunk: Buffer, last: boolean) => {
    crc = zlib.crc32(chunk, crc);
    total += chunk.length;
    const out = deflateChunk(chunk, prevTail, last, layout.level);
    out.catch(() => {});
    inflight.push({ out, input: chunk });
    prevTail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - WINDOW)));
  };
  const next = async () => {
    const { out, input } = inflight.shift()!;
    const bytes = await out;
    // Deflate is done reading it (a full-size chunk: the last one may be a short view).
    if (input.length === layout.chunkSize) free.push(input);
    return bytes;
  };
  try {
    for await (const chunk of rechunk(source, layout.chunkSize, take)) {
      if (pending) send(pending, false);
      pending = chunk;
      while (inflight.length >= width) yield await next();
    }
    send(pending ?? Buffer.alloc(0), true);
    while (inflight.length > 0) yield await next();
  } finally {
    for (const { out } of inflight) await out.catch(() => {});
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(total % 2 ** 32, 4);
  yield trailer;
}

/** One empty gzip member of exactly n bytes (MIN_MEMBER ≤ n ≤ MAX_MEMBER). */
function emptyMember(n: number): Buffer {
  const out = Buffer.alloc(n);
  HEADER.copy(out);
  let pos = 10;
  if (n >= MIN_MEMBER + 2) {
    // FEXTRA: XLEN, then the padding bytes (zero); readers skip the field unparsed.
    out[3] = 4;
    out.writeUInt16LE(n - MIN_MEMBER - 2, pos);
    pos = n - 10;
  } else if (n === MIN_MEMBER + 1) {
    out[3] = 16; // FCOMMENT, empty: its terminating NUL is the one byte
    pos = 11;
  }
  out[pos] = 3; // an empty final block (fixed Huffman, end-of-block only)
  // crc32 (0) and length (0) are the zeroes that follow.
  return out;
}

/**
 * Exactly n bytes of empty gzip members: 0, or at least MIN_MEMBER. Appended to a gzip
 * stream, they change its size and nothing it decompresses to.
 */
export function gzipPadding(n: number): Buffer[] {
  if (!Number.isSafeInteger(n) || n < 0 || (n > 0 && n < MIN_MEMBER))
    throw new RangeError(`cannot pad ${n} bytes with gzip members (0 or ≥ ${MIN_MEMBER})`);
  const out: Buffer[] = [];
  let left = n;
  while (left > 0) {
    // Never leave a remainder too small for a member of its own.
    let m = Math.min(left, MAX_MEMBER);
    if (left - m > 0 && left - m < MIN_MEMBER) m = left - MIN_MEMBER;
    out.push(emptyMember(m));
    left -= m;
  }
  return out;
}

/**
 * What the device declares for a layer whose recorded gzip size is `recorded`. Made by
 * this zlib build on this architecture: exactly that (padding is written to the engine's
 * disk like the rest). Otherwise room for a slightly different output: 1/1024 plus 4 KiB.
 * The device's own output must leave 0 or at least MIN_MEMBER bytes for the padding, or
 * it falls back to two passes.
 */
export function declaredGzipSize(recorded: number, by?: Pick<GzipRecord, "zlib" | "arch">): number {
  if (by && by.zlib === process.versions.zlib && by.arch === process.arch) return recorded;
  return recorded + 4096 + Math.ceil(recorded / 1024);
}

/** The size of a file gzipped in `layout` (the creator's side of the agreement). */
export async function gzipSizeOfFile(
  file: string,
  layout: GzipLayout = DEFAULT_GZIP_LAYOUT,
): Promise<number> {
  let size = 0;
  const source = createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
  for await (const c of gzipChunked(source, layout)) size += c.length;
  return size;
}
