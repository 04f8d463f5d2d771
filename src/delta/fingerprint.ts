// Content-defined chunk fingerprints, to find a base file that resembles a new file
// whose path matches nothing (renamed, copied to a temporary path, rebuilt elsewhere).
// A gear rolling hash cuts content at positions that depend only on the nearby bytes, so
// an insertion shifts the cuts with it; files that share content share chunks.
import { createHash, type Hash } from "node:crypto";

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
/** Files smaller than this are not fingerprinted (a literal costs little). */
export const MIN_FINGERPRINT_SIZE = 4096;

export class Chunker {
  private h = 0;
  private len = 0;
  private hash: Hash = createHash("sha1");
  readonly fingerprints: number[] = [];

  update(buf: Buffer): void {
    let start = 0;
    for (let i = 0; i < buf.length; i++) {
      this.h = ((this.h << 1) + GEAR[buf[i]!]!) >>> 0;
      this.len++;
      if ((this.len >= MIN_CHUNK && (this.h & MASK) === 0) || this.len >= MAX_CHUNK) {
        this.hash.update(buf.subarray(start, i + 1));
        this.cut();
        start = i + 1;
      }
    }
    if (start < buf.length) this.hash.update(buf.subarray(start));
  }

  private cut(): void {
    const d = this.hash.digest();
    // 48 bits: collisions stay rare across millions of chunks.
    this.fingerprints.push(d.readUIntLE(0, 6));
    this.hash = createHash("sha1");
    this.h = 0;
    this.len = 0;
  }

  finish(): number[] {
    if (this.len > 0) this.cut();
    return this.fingerprints;
  }
}
