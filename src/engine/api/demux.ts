// The engine's multiplexed stream format (logs, attach and exec of containers without a TTY):
// frames of an 8-byte header — stream id (0 stdin, 1 stdout, 2 stderr), three zero bytes, a
// big-endian uint32 payload length — then the payload. Frames split anywhere across chunks.

export interface Frame {
  stream: 0 | 1 | 2;
  payload: Buffer;
}

const HEADER = 8;

/** Incremental frame decoder: feed chunks as they arrive, get the complete frames. */
export class FrameDecoder {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const frames: Frame[] = [];
    let at = 0;
    while (this.buffered.length - at >= HEADER) {
      const id = this.buffered[at]!;
      if (id > 2) throw new Error(`not a multiplexed engine stream (stream id ${id})`);
      const len = this.buffered.readUInt32BE(at + 4);
      if (this.buffered.length - at < HEADER + len) break;
      frames.push({
        stream: id as 0 | 1 | 2,
        payload: this.buffered.subarray(at + HEADER, at + HEADER + len),
      });
      at += HEADER + len;
    }
    this.buffered = this.buffered.subarray(at);
    return frames;
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get pending(): number {
    return this.buffered.length;
  }
}

/** A whole multiplexed answer split into stdout and stderr; a cut-off last frame is an error. */
export function demuxBuffer(raw: Buffer): { stdout: Buffer; stderr: Buffer } {
  const decoder = new FrameDecoder();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  for (const f of decoder.push(raw)) (f.stream === 2 ? err : out).push(f.payload);
  if (decoder.pending > 0)
    throw new Error(`multiplexed engine stream cut off inside a frame (${decoder.pending} bytes)`);
  return { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
}

/** Reads a multiplexed stream to its end and splits it. */
export async function demuxStream(
  stream: AsyncIterable<Buffer>,
): Promise<{ stdout: Buffer; stderr: Buffer }> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c);
  return demuxBuffer(Buffer.concat(chunks));
}
