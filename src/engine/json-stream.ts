// The engine answers pulls and builds with a stream of JSON objects, one per line.
export interface EngineStreamMessage {
  status?: string;
  stream?: string;
  error?: string;
  progressDetail?: { current?: number; total?: number };
  aux?: { ID?: string };
}

export function followJsonStream(
  stream: NodeJS.ReadableStream,
  onMessage: (m: EngineStreamMessage) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      (stream as { destroy?: () => void }).destroy?.();
      reject(e);
    };
    const lines = lineSplitter((line) => {
      try {
        onMessage(JSON.parse(line) as EngineStreamMessage);
      } catch (e) {
        fail(e);
      }
    });
    stream.on("data", (chunk: Buffer) => {
      if (!failed) lines.push(chunk);
    });
    stream.on("error", fail);
    stream.on("end", () => {
      if (failed) return;
      try {
        const rest = lines.rest();
        if (rest) onMessage(JSON.parse(rest) as EngineStreamMessage);
        resolve();
      } catch (e) {
        fail(e);
      }
    });
  });
}

/** Feeds whole, non-empty, trimmed lines of a chunked text stream to `onLine`. */
export function lineSplitter(onLine: (line: string) => void): {
  push(chunk: Buffer): void;
  rest(): string;
} {
  let buffered = "";
  return {
    push(chunk) {
      buffered += chunk.toString("utf8");
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) onLine(line);
      }
    },
    rest: () => buffered.trim(),
  };
}
