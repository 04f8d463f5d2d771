// Content-defined chunk fingerprints, to find a base file that resembles a new file
// whose path matches nothing (renamed, copied to a temporary path, rebuilt elsewhere).
// A gear rolling hash cuts content at positions that depend only on the nearby bytes, so
// an insertion shifts the cuts with it; files that share content share chunks.
import { createHash, type Hash, hash } from "node:crypto";

const GEAR = (() => {
  const t = new Uint32Array(256);
  let x = 0x9e3779b9;
  for (let i = 0; i < 256; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    t[i] = x >>> 0;
  }
  return t;
})();

const MASK = (1 << 12) - 1; // ~4 KiB average chunks
const MIN_CHUNK = 1024;
const MAX_CHUNK = 64 << 10;
/**
 * The hash shifts left one bit per byte, so after 32 bytes a byte has left its 32 bits:
 * at the first position a cut may happen (MIN_CHUNK), it depends on the last 32 bytes only,
 * and the bytes before those are skipped unhashed (FastCDC's trick; the same cuts).
 */
const SKIP_TO = MIN_CHUNK - 32;
/** Files smaller than this are not fingerprinted (a literal costs little). */
export const MIN_FINGERPRINT_SIZE = 4096;

/** 48 bits of a chunk's sha1: collisions stay rare across millions of chunks. */
function fingerprint(sha1: Buffer): number {
  return sha1.readUIntLE(0, 6);
}

export class Chunker {
  private h = 0;
  private len = 0;
  /** The current chunk's bytes from earlier update() calls, when it spans them. */
  private spanning: Hash | undefined;
  readonly fingerprints: number[] = [];

  update(buf: Buffer): void {
    const n = buf.length;
    let h = this.h;
    let len = this.len;
    let start = 0;
    let i = 0;
    while (i < n) {
      if (len < SKIP_TO) {
        const skip = Math.min(SKIP_TO - len, n - i);
        i += skip;
        len += skip;
        h = 0;
        continue;
      }
      // Up to the byte before MIN_CHUNK: roll without looking for a cut.
      for (; i < n && len < MIN_CHUNK - 1; i++, len++) h = ((h << 1) + GEAR[buf[i]!]!) | 0;
      let cut = false;
      for (; i < n; i++) {
        h = ((h << 1) + GEAR[buf[i]!]!) | 0;
        len++;
        if ((h & MASK) === 0 || len >= MAX_CHUNK) {
          cut = true;
          i++;
          break;
        }
      }
      if (!cut) break;
      this.cut(buf.subarray(start, i));
      start = i;
      h = 0;
      len = 0;
    }
    if (start < n) (this.spanning ??= createHash("sha1")).update(buf.subarray(start));
    this.h = h;
    this.len = len;
  }

  private cut(tail: Buffer): void {
    const d = this.spanning
      ? this.spanning.update(tail).digest()
      : (hash("sha1", tail, "buffer") as Buffer);
    this.spanning = undefined;
    this.fingerprints.push(fingerprint(d));
  }

  finish(): number[] {
    if (this.len > 0) this.cut(Buffer.alloc(0));
    this.h = 0;
    this.len = 0;
    return this.fingerprints;
  }
}
