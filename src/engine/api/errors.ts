// What a failed engine call throws. Callers branch on `statusCode` (304 already started or
// stopped, 404 gone, 409 conflict), so it is always the engine's HTTP status, and the
// message carries the engine's own words ("No such image: x") for people and logs.

export class EngineApiError extends Error {
  readonly statusCode: number;
  readonly method: string;
  readonly path: string;
  /** The engine's `message` field, or the raw body when it sent no JSON. */
  readonly engineMessage: string;

  constructor(statusCode: number, method: string, path: string, engineMessage: string) {
    super(`${engineMessage || `HTTP ${statusCode}`} (HTTP ${statusCode} on ${method} ${path})`);
    this.name = "EngineApiError";
    this.statusCode = statusCode;
    this.method = method;
    this.path = path;
    this.engineMessage = engineMessage;
  }
}

/** The engine accepted the connection but went silent for longer than the call allows. */
export class EngineTimeoutError extends Error {
  readonly code = "ETIMEDOUT";
  readonly method: string;
  readonly path: string;
  readonly timeoutMs: number;

  constructor(method: string, path: string, timeoutMs: number) {
    super(`the engine did not answer ${method} ${path} within ${timeoutMs} ms`);
    this.name = "EngineTimeoutError";
    this.method = method;
    this.path = path;
    this.timeoutMs = timeoutMs;
  }
}

/** Builds the error for a non-2xx answer from its (already read) body. */
export function errorFromResponse(
  statusCode: number,
  method: string,
  path: string,
  body: Buffer,
): EngineApiError {
  const text = body.toString("utf8").trim();
  let message = text;
  try {
    const json = JSON.parse(text) as { message?: unknown };
    if (typeof json.message === "string") message = json.message;
  } catch {
    // Not JSON (a proxy's HTML page, a 304 with no body): keep the text as it is.
  }
  return new EngineApiError(statusCode, method, path, message.trim());
}
