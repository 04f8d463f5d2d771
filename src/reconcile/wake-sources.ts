// What wakes the daemon besides its timer: the target file changing, and engine events
// about the containers it manages.
import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { toEvError } from "../errors.ts";
import { LABEL } from "../engine/labels.ts";
import type { ContainerEngine, EngineEvent } from "../engine/types.ts";

export function watchTargetFile(
  file: string,
  onChange: () => void,
  log: (l: string) => void,
): () => void {
  // Watch the directory: editors and atomic writers replace the file, which ends a file watch.
  const dir = path.dirname(path.resolve(file));
  const base = path.basename(file);
  let debounce: NodeJS.Timeout | undefined;
  let w: FSWatcher | undefined;
  try {
    w = watch(dir, (_event, name) => {
      if (name !== base && name !== ".env") return;
      clearTimeout(debounce);
      debounce = setTimeout(onChange, 200);
    });
  } catch (e) {
    log(`cannot watch ${dir} (${(e as Error).message}); relying on the periodic resync`);
  }
  return () => {
    clearTimeout(debounce);
    w?.close();
  };
}

const INTERESTING = new Set([
  "die",
  "destroy",
  "stop",
  "kill",
  "oom",
  "health_status: unhealthy",
  "health_status: healthy",
]);

/** Subscribe to the engine's container events, resubscribing when the stream breaks. */
export async function watchEngineEvents(
  engine: ContainerEngine,
  /** Only events about this app's containers wake the loop. */
  app: () => string | undefined,
  onEvent: (why: string) => void,
  log: (l: string) => void,
  signal: AbortSignal,
  onRaw?: (e: EngineEvent) => void,
): Promise<() => void> {
  let stop: () => void = () => {};
  const subscribe = async (): Promise<void> => {
    if (signal.aborted) return;
    try {
      stop = await engine.watchEvents(
        (e) => {
          if (e.labels[LABEL.app] === app()) onRaw?.(e);
          if (e.type === "container" && INTERESTING.has(e.action) && e.labels[LABEL.app] === app())
            onEvent(`container ${e.labels.name ?? e.id} ${e.action}`);
        },
        (err) => {
          if (signal.aborted) return;
          log(`engine event stream lost (${err.message}); resubscribing`);
          setTimeout(() => void subscribe(), 2000).unref();
        },
      );
    } catch (e) {
      log(`engine events unavailable (${toEvError(e).format()}); retrying`);
      setTimeout(() => void subscribe(), 5000).unref();
    }
  };
  await subscribe();
  return () => stop();
}
