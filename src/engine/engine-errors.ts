// Engine failures as EvErrors: unreachable engines get a hint on how to start one.
import { EvError } from "../errors.ts";
import { EngineApiError } from "./api/errors.ts";

export function isStatus(e: unknown, status: number): boolean {
  return (
    typeof e === "object" && e !== null && (e as { statusCode?: number }).statusCode === status
  );
}

export function engineError(what: string, e: unknown): EvError {
  if (e instanceof EvError) return e;
  const code = (e as { code?: string }).code;
  if (code === "ECONNREFUSED" || code === "ENOENT" || code === "EACCES") {
    return new EvError("EV_ENGINE_UNREACHABLE", `${what}: the engine does not answer (${code})`, {
      hint: "start it (scripts/engine start) or point DOCKER_HOST at its socket",
      cause: e,
    });
  }
  if (code === "ETIMEDOUT") {
    return new EvError("EV_ENGINE_UNREACHABLE", `${what}: ${(e as Error).message}`, {
      hint: "the engine accepts connections but does not answer: check its log and load",
      cause: e,
    });
  }
  // The engine's own words ("No such image: x"), without the request details.
  const message =
    e instanceof EngineApiError
      ? e.engineMessage || e.message
      : e instanceof Error
        ? e.message
        : String(e);
  return new EvError("EV_ENGINE_ERROR", `${what}: ${message.trim()}`, { cause: e });
}
