// One error type for the whole agent: a stable code, a message a user can act on, and a
// hint. The table below maps codes to CLI exit codes and HTTP statuses, so the CLI and the
// API cannot drift apart.

export const ERROR_CODES = {
  EV_USAGE: { exit: 2, http: 400 },
  EV_RELEASE_INVALID: { exit: 3, http: 400 },
  EV_RELEASE_NOT_FOUND: { exit: 3, http: 404 },
  EV_ENGINE_UNREACHABLE: { exit: 4, http: 503 },
  EV_ENGINE_ERROR: { exit: 4, http: 502 },
  EV_IMAGE_FETCH_FAILED: { exit: 5, http: 502 },
  EV_IMAGE_NOT_FOUND: { exit: 3, http: 404 },
  EV_BUILD_FAILED: { exit: 5, http: 500 },
  EV_UPDATE_LOCKED: { exit: 6, http: 423 },
  EV_TIMEOUT: { exit: 7, http: 504 },
  EV_ABORTED: { exit: 130, http: 409 },
  EV_STATE_CORRUPT: { exit: 8, http: 500 },
  EV_DELTA_INVALID: { exit: 9, http: 400 },
  EV_DELTA_BASE_MISSING: { exit: 9, http: 409 },
  EV_DELTA_SIGNATURE: { exit: 9, http: 403 },
  EV_ARCHIVE_UNSAFE: { exit: 9, http: 400 },
  EV_DIGEST_MISMATCH: { exit: 9, http: 400 },
  EV_LINT_FINDINGS: { exit: 1, http: 200 },
  EV_CONFIG_INVALID: { exit: 3, http: 400 },
  EV_REBOOT_LOOP: { exit: 10, http: 429 },
  EV_INSUFFICIENT_SPACE: { exit: 11, http: 507 },
  EV_CLOCK_IMPLAUSIBLE: { exit: 12, http: 503 },
  EV_CONFIG_KEY_MISSING: { exit: 1, http: 404 },
  EV_INTERNAL: { exit: 70, http: 500 },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class EvError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "EvError";
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  /** "EV_X: message — hint", the one-line form the CLI prints. */
  format(): string {
    return this.hint
      ? `${this.code}: ${this.message} — ${this.hint}`
      : `${this.code}: ${this.message}`;
  }
}

export function isEvError(e: unknown): e is EvError {
  return e instanceof EvError;
}

/** Wrap anything thrown into an EvError, keeping EvErrors as they are. */
export function toEvError(e: unknown, code: ErrorCode = "EV_INTERNAL"): EvError {
  if (e instanceof EvError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new EvError(code, message, { cause: e });
}
