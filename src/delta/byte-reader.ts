// Pull-based reading of exact byte counts from a chunked stream, so decoders can ask for
// "the next n bytes" without buffering more than one chunk ahead.
import { type ErrorCode, EvError } from "../errors.ts";

export class ByteReader {
  private readonly it: AsyncIterator<Buffer>;
  private head: Buffer = Buffer.alloc(0);
  private done = false;
  private readonly what: string;
  private readonly short: { code: ErrorCode; hint: string };
  /** Bytes handed out so far. */
  consumed = 0;

  /** `short`: the error for a source that ends early (default: a truncated delta). */
  constructor(
    source: AsyncIterable<Buffer | Uint8Array>,
    what: string,
    short: { code: ErrorCode; hint: string } = {
      code: "EV_DELTA_INVALID",
      hint: "the delta is truncated or corrupt",
    },
  ) {
    this.it = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    this.what = what;
    this.short = short;
  }

  private async fill(): Promise<boolean> {
    while (this.head.length === 0 && !this.done) {
      let r: IteratorResult<Buffer>;
      try {
        r = await this.it.next();
      } catch (e) {
        if (e instanceof EvError) throw e;
        throw new EvError("EV_DELTA_INVALID", `${this.what}: ${(e as Error).message}`, {
          cause: e,
          hint: "the delta is corrupt or was made with settings this version does not accept",
        });
      }
      if (r.done) this.done = true;
      else this.head = Buffer.from(r.value);
    }
    return this.head.length > 0;
  }

  /** Up to max bytes (at least one), or undefined at the end of the stream. */
  async readSome(max: number): Promise<Buffer | undefined> {
    if (!(await this.fill())) return undefined;
    const n = Math.min(max, this.head.length);
    const out = this.head.subarray(0, n);
    this.head = this.head.subarray(n);
    this.consumed += n;
    return out;
  }

  /** Exactly n bytes, or an EV_DELTA_INVALID error naming the stream when it ends early. */
  async readExact(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const part = await this.readSome(n - got);
      if (!part) throw this.truncated(n - got);
      parts.push(part);
      got += part.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  /** Exactly n bytes as a sequence of chunks, for counts too large to hold at once. */
  async *chunks(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      const part = await this.readSome(left);
      if (!part) throw this.truncated(left);
      left -= part.length;
      yield part;
    }
  }

  async readByte(): Promise<number> {
    return (await this.readExact(1))[0]!;
  }

  /** An unsigned LEB128 varint (up to 2^53). */
  async readVarint(): Promise<number> {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = await this.readByte();
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return value;
      scale *= 128;
    }
    throw new EvError("EV_DELTA_INVALID", `${this.what}: varint longer than 8 bytes`);
  }

  /** Stop reading: lets the source release its resources. */
  async close(): Promise<void> {
    this.done = true;
    this.head = Buffer.alloc(0);
    await this.it.return?.();
  }

  async atEnd(): Promise<boolean> {
    return !(await this.fill());
  }

  private truncated(missing: number): EvError {
    return new EvError(
      this.short.code,
      `${this.what} ended ${missing} bytes early (after ${this.consumed} bytes)`,
      { hint: this.short.hint },
    );
  }
}

export function encodeVarint(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`varint out of range: ${n}`);
  const out: number[] = [];
  let v = n;
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}
