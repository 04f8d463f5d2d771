// What every route file gets: the port to the agent, the limits and pools, and the checks
// they share (which app a request may act on, asking the agent with a deadline).
import type { FastifyReply, FastifyRequest } from "fastify";
import { EvError } from "../errors.ts";
import type { HealthPolicy } from "../health/health-state.ts";
import type { ApiIdentity, ApiKeys } from "./api-keys.ts";
import { mayActOn, UNAUTHORIZED_BODY, UNAUTHORIZED_HEADERS } from "./auth.ts";
import type { ConcurrencyLimit } from "./concurrency.ts";
import type { AgentRequest, DeviceController, RequestResult } from "./device-controller.ts";
import type { ApiLimits } from "./limits.ts";
import { fail, toAppId } from "./replies.ts";
import type { HostFacts } from "./views.ts";
import { appNameOf } from "./views.ts";

export interface ApiContext {
  controller: DeviceController;
  keys: ApiKeys;
  limits: ApiLimits;
  /** What GET /v1/healthy judges by: the health monitor's policy, shared with the watchdog. */
  healthPolicy: HealthPolicy;
  log: (line: string) => void;
  /** Target-state POST, purge, cleanup-volumes. */
  expensive: ConcurrencyLimit;
  logStreams: ConcurrencyLimit;
  /** The port the API listens on (for /v1/device's api_port). */
  apiPort: () => number;
  host: () => HostFacts;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the auth hook on every route but /ping and /v1/healthy. */
    identity: ApiIdentity | null;
  }
}

export function identityOf(req: FastifyRequest): ApiIdentity {
  if (!req.identity) throw new EvError("EV_INTERNAL", `${req.url}: route reached without auth`);
  return req.identity;
}

export function unauthorized(reply: FastifyReply): FastifyReply {
  return reply.code(401).headers(UNAUTHORIZED_HEADERS).send(UNAUTHORIZED_BODY);
}

/**
 * The app a request names (path parameter or body field): 400 when it is not a number,
 * 401 when the key may not act on it, 404 when this device does not run it. Returns the id,
 * or undefined once a reply has been sent.
 */
export function checkApp(
  ctx: ApiContext,
  req: FastifyRequest,
  reply: FastifyReply,
  raw: unknown,
): number | undefined {
  const appId = toAppId(raw);
  if (appId === undefined) {
    fail(reply, 400, `missing or invalid app id${raw === undefined ? "" : `: ${String(raw)}`}`);
    return undefined;
  }
  if (!mayActOn(identityOf(req), appId)) {
    unauthorized(reply);
    return undefined;
  }
  const snap = ctx.controller.snapshot();
  if (appId !== snap.appId) {
    const name = appNameOf(snap);
    fail(
      reply,
      404,
      `app ${appId} is not on this device; it runs app ${snap.appId}${name ? ` (${name})` : ""}`,
    );
    return undefined;
  }
  return appId;
}

/** Hand a request to the agent; EV_TIMEOUT (504) if it is not accepted in time. */
export async function ask(ctx: ApiContext, r: AgentRequest): Promise<RequestResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new EvError(
            "EV_TIMEOUT",
            `the agent did not take the ${r.kind} request within ${ctx.limits.requestTimeoutMs} ms`,
            { hint: "it may be busy with a long step; see GET /v2/state/status and retry" },
          ),
        ),
      ctx.limits.requestTimeoutMs,
    );
  });
  try {
    return await Promise.race([ctx.controller.request(r), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Run `fn` holding a slot of `pool`, or answer 503 + Retry-After when none is free. */
export async function withSlot(
  pool: ConcurrencyLimit,
  what: string,
  reply: FastifyReply,
  fn: () => Promise<unknown>,
): Promise<unknown> {
  const release = pool.tryAcquire();
  if (!release) {
    reply.header("retry-after", "1");
    return fail(reply, 503, `${pool.max} ${what} already in progress; retry shortly`);
  }
  try {
    return await fn();
  } finally {
    release();
  }
}
