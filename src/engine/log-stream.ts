// Container output as lines: the engine multiplexes stdout and stderr in 8-byte framed
// chunks (for containers without a TTY) and prefixes each line with its timestamp.
export interface EngineLogLine {
  timestamp: number;
  service: string;
  isStdErr: boolean;
  message: string;
}

/** Splits framed engine output into lines; feed it chunks as they arrive. */
export class LogDemuxer {
  private buffered = Buffer.alloc(0);
  private partial: [string, string] = ["", ""];
  private readonly service: string;

  constructor(service: string) {
    this.service = service;
  }

  push(chunk: Buffer): EngineLogLine[] {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    const out: EngineLogLine[] = [];
    while (this.buffered.length >= 8) {
      const stream = this.buffered[0];
      const len = this.buffered.readUInt32BE(4);
      if (this.buffered.length < 8 + len) break;
      const payload = this.buffered.subarray(8, 8 + len).toString("utf8");
      this.buffered = this.buffered.subarray(8 + len);
      const idx = stream === 2 ? 1 : 0;
      const text = this.partial[idx] + payload;
      const lines = text.split("\n");
      this.partial[idx] = lines.pop() ?? "";
      for (const line of lines) out.push(this.line(line, stream === 2));
    }
    return out;
  }

  private line(raw: string, isStdErr: boolean): EngineLogLine {
    const space = raw.indexOf(" ");
    const ts = space > 0 ? Date.parse(raw.slice(0, space)) : Number.NaN;
    return Number.isFinite(ts)
      ? { timestamp: ts, service: this.service, isStdErr, message: raw.slice(space + 1) }
      : { timestamp: Date.now(), service: this.service, isStdErr, message: raw };
  }
}

/** Merge several push-based sources into one async iterable that ends when all end or `signal` aborts. */
export function mergeSources<T>(
  start: (emit: (items: T[]) => void, done: () => void) => Promise<number>,
  signal: AbortSignal,
): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      const queue: T[] = [];
      let finished = 0;
      let notify: (() => void) | undefined;
      const poke = () => {
        notify?.();
        notify = undefined;
      };
      const sources = await start(
        (items) => {
          queue.push(...items);
          poke();
        },
        () => {
          finished++;
          poke();
        },
      );
      signal.addEventListener("abort", poke, { once: true });
      while (!signal.aborted) {
        if (queue.length) {
          yield queue.shift()!;
          continue;
        }
        if (finished >= sources) return;
        await new Promise<void>((resolve) => (notify = resolve));
      }
    },
  };
}
