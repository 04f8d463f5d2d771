// Runs one `createDelta` in a worker thread, so the delta server keeps answering (cached
// deltas, ranges, HEAD) while a new one is computed: the codec compresses synchronously.
import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import { parentPort, Worker, workerData } from "node:worker_threads";
import { EngineClient } from "../engine/api/index.ts";
import { parsePrivateKey } from "../delta/signature.ts";
import { EvError, type ErrorCode, isEvError } from "../errors.ts";
import { createDelta } from "./delta-create.ts";
import { DockerImageStore } from "./docker-store.ts";

export interface DeltaJob {
  socketPath: string;
  base: string;
  target: string;
  file: string;
  level?: number;
  signKeyPem?: string;
  /** createDelta's option of the same name (the server process's malloc settings). */
  largeFramesOnWorker?: boolean;
}

type Reply = { ok: true } | { ok: false; code: ErrorCode; message: string; hint?: string };

/** Compute a delta into `job.file` in a worker thread. */
export function createDeltaInWorker(job: DeltaJob): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    let replied = false;
    worker.once("message", (r: Reply) => {
      replied = true;
      if (r.ok) resolve();
      else reject(new EvError(r.code, r.message, r.hint ? { hint: r.hint } : {}));
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (!replied) reject(new EvError("EV_INTERNAL", `delta worker exited with code ${code}`));
    });
  });
}

async function run(job: DeltaJob): Promise<void> {
  const store = new DockerImageStore(new EngineClient({ socketPath: job.socketPath }));
  const out = createWriteStream(job.file);
  await createDelta(store, job.base, job.target, out, {
    ...(job.level ? { level: job.level } : {}),
    ...(job.signKeyPem ? { signKey: parsePrivateKey(job.signKeyPem, "signing key") } : {}),
    largeFramesOnWorker: job.largeFramesOnWorker ?? false,
  });
  if (!out.writableFinished) await finished(out);
}

if (parentPort && (workerData as DeltaJob | undefined)?.file) {
  const port = parentPort;
  run(workerData as DeltaJob).then(
    () => port.postMessage({ ok: true } satisfies Reply),
    (e: unknown) => {
      const err = isEvError(e) ? e : new EvError("EV_INTERNAL", String((e as Error)?.message ?? e));
      port.postMessage({
        ok: false,
        code: err.code,
        message: err.message,
        ...(err.hint ? { hint: err.hint } : {}),
      } satisfies Reply);
    },
  );
}
