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
    let buffered = "";
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      (stream as { destroy?: () => void }).destroy?.();
      reject(e);
    };
    stream.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line) continue;
        try {
          onMessage(JSON.parse(line) as EngineStreamMessage);
        } catch (e) {
          fail(e);
          return;
        }
      }
    });
    stream.on("error", fail);
    stream.on("end", () => {
      if (failed) return;
      try {
        if (buffered.trim()) onMessage(JSON.parse(buffered) as EngineStreamMessage);
        resolve();
      } catch (e) {
        fail(e);
      }
    });
  });
}
