// Reply helpers shared by the route files: balena's v2 error shape, its v1 power-action
// shape, EvError → status through the one table in src/errors.ts, 503 when a pool is full.
import type { FastifyReply } from "fastify";
import { isEvError, toEvError } from "../errors.ts";

export function fail(
  reply: FastifyReply,
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
): FastifyReply {
  return reply.code(status).send({ status: "failed", message, ...extra });
}

/** The message and status an error gives a client; unexpected errors say no more than that. */
export function describeError(e: unknown): { status: number; message: string; code: string } {
  if (isEvError(e)) {
    const message = e.hint ? `${e.message} — ${e.hint}` : e.message;
    return { status: e.httpStatus, message, code: e.code };
  }
  const ev = toEvError(e);
  return { status: ev.httpStatus, message: "internal error; see the agent's log", code: ev.code };
}

/** "POST /v1/purge" — the path without its query, which may hold an API key. */
export function routeOf(reply: FastifyReply): string {
  return `${reply.request.method} ${reply.request.url.split("?")[0]}`;
}

/** v2 style: {status:"failed", message, code}. */
export function sendError(reply: FastifyReply, e: unknown, log: (l: string) => void) {
  const d = describeError(e);
  if (!isEvError(e)) log(`api: ${routeOf(reply)}: ${String(e)}`);
  return fail(reply, d.status, d.message, { code: d.code });
}

/** balena's reboot/shutdown answer: {Data, Error}. */
export function sendPowerError(reply: FastifyReply, e: unknown, log: (l: string) => void) {
  const d = describeError(e);
  if (!isEvError(e)) log(`api: ${routeOf(reply)}: ${String(e)}`);
  return reply.code(d.status).send({ Data: "", Error: d.message });
}

/** balena's checkTruthy: true, 1, "true", "1", "on", "yes". */
export function truthy(v: unknown): boolean {
  if (v === true || v === 1) return true;
  return typeof v === "string" && ["true", "1", "on", "yes"].includes(v.toLowerCase());
}

/** A positive integer from a path parameter or body field, or undefined. */
export function toAppId(v: unknown): number | undefined {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export function bodyOf(body: unknown): Record<string, unknown> {
  return body && typeof body === "object" && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}
