// Encoder: rebuilds nothing, decides everything. Walks the new layer tar and writes an op
// stream (ops.ts) plus a literal stream. File content identical to a base file becomes
// COPY; content of a file whose base counterpart (same or version-like path) exists becomes
// PATCH (zstd with the base bytes as dictionary, in bounded segments); the rest, plus all
// tar headers and padding, goes to the shared zstd literal stream.
import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { encodeVarint } from "./byte-reader.ts";
import { Chunker, MIN_FINGERPRINT_SIZE } from "./fingerprint.ts";
import { dictionaryRange } from "./dict-window.ts";
import { OP_COPY, OP_END, OP_LIT, OP_PATCH, SEGMENT } from "./ops.ts";
import { collectWhenGrown } from "./encoder-memory.ts";
import type { Sink } from "./sink.ts";
import { FileWindow, readAt, walkTar } from "./tar-walk.ts";
import type { BaseCatalog, BaseFile, LayerEncodeStats } from "./types.ts";
import { type EncodeTuning, inlineFrames, OrderedOps } from "./frame-pool.ts";

const READ_CHUNK = 1 << 20;

export interface EncodeTarget {
  /** Receives the op stream. */
  ops: Sink;
  /** Receives literal bytes (uncompressed; the caller compresses the stream). */
  lit: Sink;
}

export function pathBytes(p: string): Buffer {
  const b = Buffer.from(p, "utf8");
  return Buffer.concat([encodeVarint(b.length), b]);
}

/** sha256 of a range, and its chunk fingerprints when `chunker` is given. */
async function hashRange(
  file: FileWindow,
  start: number,
  size: number,
  chunker?: Chunker,
): Promise<string> {
  const h = createHash("sha256");
  for (let pos = start; pos < start + size; pos += READ_CHUNK) {
    const piece = await file.read(pos, Math.min(READ_CHUNK, start + size - pos));
    h.update(piece);
    chunker?.update(piece);
  }
  return h.digest("hex");
}

export class LayerEncoder {
  private readonly fh: FileHandle;
  /** The layer, read through a window: a small file's header and content in one read. */
  private readonly layer: FileWindow;
  private readonly size: number;
  private readonly base: BaseCatalog;
  private readonly out: EncodeTarget;
  private readonly tuning: EncodeTuning;
  private readonly ops: OrderedOps;
  private pendingStart = 0;
  private pendingEnd = 0;
  readonly stats: LayerEncodeStats = {
    tarBytes: 0,
    literalBytes: 0,
    copiedBytes: 0,
    patchedBytes: 0,
    patchFrameBytes: 0,
    files: { copied: 0, patched: 0, literal: 0 },
  };

  constructor(
    fh: FileHandle,
    size: number,
    base: BaseCatalog,
    out: EncodeTarget,
    tuning: EncodeTuning,
  ) {
    this.fh = fh;
    this.layer = new FileWindow(fh, size);
    this.size = size;
    this.base = base;
    this.out = out;
    this.tuning = tuning;
    this.ops = new OrderedOps(out.ops, (tuning.frames ?? inlineFrames).parallelism + 1);
  }

  /** Encode the whole tar; `onBytes` reports progress in tar bytes. */
  async run(onBytes: (done: number) => void = () => {}): Promise<LayerEncodeStats> {
    const walk = walkTar(this.layer, this.size, "new layer");
    while (true) {
      const next = await walk.next();
      if (next.done) {
        this.literal(next.value.start, next.value.end);
        break;
      }
      const e = next.value;
      if (e.meta || e.type !== "0" || e.size === 0) {
        this.literal(e.headerStart, e.end);
      } else {
        this.literal(e.headerStart, e.contentStart);
        await this.file(e.path, e.contentStart, e.size);
        this.literal(e.contentStart + e.size, e.end);
      }
      onBytes(e.end);
    }
    await this.flushLiteral();
    await this.ops.write(Buffer.from([OP_END]));
    await this.ops.flush();
    this.stats.tarBytes = this.size;
    onBytes(this.size);
    return this.stats;
  }

  /** Extend the pending literal run (ranges arrive in order and adjacent). */
  private literal(start: number, end: number): void {
    if (end <= start) return;
    if (this.pendingEnd === this.pendingStart) this.pendingStart = start;
    this.pendingEnd = end;
  }

  private async flushLiteral(): Promise<void> {
    const { pendingStart: start, pendingEnd: end } = this;
    if (end <= start) return;
    await this.ops.write(Buffer.concat([Buffer.from([OP_LIT]), encodeVarint(end - start)]));
    for (let pos = start; pos < end; pos += READ_CHUNK)
      await this.out.lit.write(await this.layer.read(pos, Math.min(READ_CHUNK, end - pos)));
    this.stats.literalBytes += end - start;
    this.pendingStart = this.pendingEnd = end;
  }

  private async file(path: string, start: number, size: number): Promise<void> {
    const sha = await hashRange(this.layer, start, size);
    const same = this.base.byPath(path);
    const copy = same && same.sha256 === sha ? same : this.base.bySha256(sha);
    if (copy && copy.size === size) {
      await this.flushLiteral();
      await this.ops.write(
        Buffer.concat([Buffer.from([OP_COPY]), pathBytes(copy.path), encodeVarint(size)]),
      );
      this.stats.copiedBytes += size;
      this.stats.files.copied++;
      return;
    }
    const similar =
      same && same.size > 0
        ? same
        : (this.base.similar(path) ?? (await this.resembling(start, size)));
    if (similar && similar.size > 0) {
      await this.flushLiteral();
      await this.patch(similar, start, size);
      this.stats.files.patched++;
      return;
    }
    this.literal(start, start + size);
    this.stats.files.literal++;
  }

  /**
   * The base file sharing the most content chunks, for a file no path matches. Chunked only
   * here, on a second read: chunking every file while hashing it cost as much as the hash.
   */
  private async resembling(start: number, size: number): Promise<BaseFile | undefined> {
    if (!this.base.resembling || size < MIN_FINGERPRINT_SIZE) return undefined;
    const chunker = new Chunker();
    await hashRange(this.layer, start, size, chunker);
    return this.base.resembling(chunker.finish());
  }

  private async patch(old: BaseFile, start: number, size: number): Promise<void> {
    const segments = Math.max(1, Math.ceil(size / SEGMENT));
    await this.ops.write(
      Buffer.concat([
        Buffer.from([OP_PATCH]),
        pathBytes(old.path),
        encodeVarint(old.size),
        encodeVarint(size),
        encodeVarint(segments),
      ]),
    );
    for (let k = 0; k < segments; k++) {
      const ns = k * SEGMENT;
      const ne = Math.min(size, ns + SEGMENT);
      const centre = Math.floor((ns * old.size) / size);
      const { start: ds, end: de } = dictionaryRange(centre, ne - ns, old.size);
      const dict = de > ds ? await this.base.read(old, ds, de) : Buffer.alloc(0);
      const segment = await readAt(this.fh, start + ns, ne - ns);
      const frame = (this.tuning.frames ?? inlineFrames)
        .compress(segment, dict, this.tuning.level)
        .then((f) => {
          this.stats.patchFrameBytes += f.length;
          return Buffer.concat([
            encodeVarint(ds),
            encodeVarint(de),
            encodeVarint(ne - ns),
            encodeVarint(f.length),
            f,
          ]);
        });
      await this.ops.writeFrame(frame);
      collectWhenGrown();
    }
    this.stats.patchedBytes += size;
  }
}
