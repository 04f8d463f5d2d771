// The light engine check: the API ping plus one cheap read through the container store
// (ContainerEngine.healthProbe), with a short timeout. It writes nothing, on the device or
// in the engine. Why that read: `_ping` alone is answered before the daemon touches any
// state, so a daemon whose container store is wedged still passes it; `GET /info` and
// `GET /images/json` walk every image and the storage driver (slow on a loaded SD-card
// device, where a slow check is what used to trip watchdogs); `GET /containers/json?limit=1`
// goes through the same in-memory container view every `ps` uses and returns one entry.
import type { ContainerEngine } from "../engine/types.ts";
import { toEvError } from "../errors.ts";

export interface EngineCheckResult {
  ok: boolean;
  /** Wall time of the check. */
  ms: number;
  /** Why it failed, one line. */
  error?: string;
}

export const DEFAULT_ENGINE_CHECK_TIMEOUT_MS = 2000;

export async function checkEngine(
  engine: Pick<ContainerEngine, "healthProbe">,
  timeoutMs: number,
  monotonicMs: () => number = () => performance.now(),
): Promise<EngineCheckResult> {
  const started = monotonicMs();
  try {
    // The probe has its own timeout; the race is a backstop for an adapter that ignores it.
    let timer: NodeJS.Timeout | undefined;
    const backstop = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(timeoutMs)), timeoutMs + 250);
    });
    try {
      await Promise.race([engine.healthProbe(timeoutMs), backstop]);
    } finally {
      clearTimeout(timer);
    }
    return { ok: true, ms: monotonicMs() - started };
  } catch (e) {
    return { ok: false, ms: monotonicMs() - started, error: describe(e, timeoutMs) };
  }
}

class TimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

function describe(e: unknown, timeoutMs: number): string {
  const cause = (e as { cause?: unknown }).cause;
  const name = (cause as { name?: string } | undefined)?.name ?? (e as { name?: string }).name;
  if (name === "AbortError" || name === "TimeoutError" || e instanceof TimeoutError)
    return `the engine did not answer within ${timeoutMs} ms`;
  return toEvError(e, "EV_ENGINE_ERROR").format();
}
