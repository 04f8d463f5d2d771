// Small reads of a file that mostly moves forward (a tar walk: a 512-byte header per entry,
// then the entry's content), served from a 1 MiB window. Each read of a FileHandle is one
// round trip through libuv's threadpool, where it waits behind the zstd and gzip jobs of a
// create; one per header was most of a base index's idle time (12,766 files on the app
// bench pair).
import type { FileHandle } from "node:fs/promises";

const WINDOW = 1 << 20;
/** Reads up to this size go through the window; larger ones are read directly. */
const SMALL = 64 << 10;

/** `len` bytes at `pos` of `fh` (fewer at the end of the file), in a new buffer. */
export async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === len ? buf : buf.subarray(0, got);
}

export class FileWindow {
  readonly fh: FileHandle;
  readonly size: number;
  private readonly window: number;
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;

  /** `window`: bytes read at once (a decoder on a device walks with one block). */
  constructor(fh: FileHandle, size: number, window = WINDOW) {
    this.fh = fh;
    this.size = size;
    this.window = window;
  }

  /**
   * `len` bytes at `pos` (fewer at the end of the file). Always a buffer of its own, never a
   * view of the window: a view would keep the window alive, and posting it to a worker
   * copies the whole window.
   */
  async read(pos: number, len: number): Promise<Buffer> {
    if (len > SMALL) return readAt(this.fh, pos, len);
    const end = Math.min(pos + len, this.size);
    if (pos < this.start || end > this.start + this.buf.length) {
      this.buf = await readAt(
        this.fh,
        pos,
        Math.max(0, Math.min(Math.max(this.window, len), this.size - pos)),
      );
      this.start = pos;
    }
    return Buffer.from(this.buf.subarray(pos - this.start, end - this.start));
  }
}
