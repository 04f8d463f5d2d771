// Runs checks concurrently (they only read), each under its own time limit. Checks that
// need the engine wait for the engine check and are skipped when it failed, so one dead
// engine gives one failure and a list of skips instead of a screen of timeouts.
import type { EngineDiagnostics } from "./engine-diagnostics.ts";
import { duration, errorText } from "./format.ts";
import type { HostProbe } from "./host.ts";
import type { DoctorOptions } from "./options.ts";
import type { Check, CheckOutcome, CheckResult, DoctorContext, SharedReads } from "./types.ts";

export const ENGINE_CHECK_ID = "engine";

export interface RunnerDeps {
  options: DoctorOptions;
  engine: EngineDiagnostics;
  host: HostProbe;
  now?: () => Date;
}

export async function runChecks(checks: Check[], deps: RunnerDeps): Promise<CheckOutcome[]> {
  const runWide = new AbortController();
  const shared = memoisedReads(deps.engine, runWide.signal);
  const outcomes = new Map<string, Promise<CheckOutcome>>();
  const engineCheck = checks.find((c) => c.id === ENGINE_CHECK_ID);
  const engineOutcome = engineCheck ? runOne(engineCheck, deps, shared) : undefined;
  if (engineCheck && engineOutcome) outcomes.set(engineCheck.id, engineOutcome);

  for (const check of checks) {
    if (outcomes.has(check.id)) continue;
    outcomes.set(
      check.id,
      (async () => {
        if (check.needsEngine && engineOutcome) {
          const engine = await engineOutcome;
          if (engine.status === "fail")
            return outcome(check, 0, {
              status: "skip",
              figure: "engine unavailable",
              detail: "Skipped because the engine check failed.",
              action: "",
            });
        }
        return runOne(check, deps, shared);
      })(),
    );
  }
  try {
    return await Promise.all(checks.map((c) => outcomes.get(c.id)!));
  } finally {
    runWide.abort();
  }
}

async function runOne(check: Check, deps: RunnerDeps, shared: SharedReads): Promise<CheckOutcome> {
  const limitMs = deps.options.checkTimeoutMs + (check.extraTimeMs?.(deps.options) ?? 0);
  const controller = new AbortController();
  const ctx: DoctorContext = {
    options: deps.options,
    engine: deps.engine,
    host: deps.host,
    signal: controller.signal,
    shared,
    now: deps.now ?? (() => new Date()),
  };
  const started = deps.host.monotonicMs();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve({
        status: "fail",
        figure: `no answer within ${duration(limitMs)}`,
        detail: `The ${check.title.toLowerCase()} check did not finish in time.`,
        action: "Find out what hangs (engine, disk or network); raise --timeout on a slow device.",
      });
    }, limitMs);
  });
  let result: CheckResult;
  try {
    result = await Promise.race([check.run(ctx), timedOut]);
  } catch (e) {
    result = {
      status: "fail",
      figure: "check failed",
      detail: `The check could not run: ${errorText(e)}`,
      action: "Run again with EDGEVISOR_DEBUG=1 and report the error if it persists.",
    };
  } finally {
    clearTimeout(timer);
  }
  return outcome(check, deps.host.monotonicMs() - started, result);
}

function outcome(check: Check, durationMs: number, r: CheckResult): CheckOutcome {
  return { id: check.id, title: check.title, ...r, durationMs: Math.round(durationMs) };
}

function memoisedReads(engine: EngineDiagnostics, signal: AbortSignal): SharedReads {
  let info: ReturnType<SharedReads["engineInfo"]> | undefined;
  let containers: ReturnType<SharedReads["containers"]> | undefined;
  return {
    engineInfo: () => (info ??= engine.info(signal)),
    containers: () => (containers ??= engine.containers(signal)),
  };
}
