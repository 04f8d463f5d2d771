// GET /ping and GET /v1/healthy: unauthenticated, outside every rate limit and pool, and
// answered from the in-memory snapshot only, so they stay quick while other routes are
// flooded.
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../context.ts";
import type { DeviceSnapshot } from "../device-controller.ts";

/** Paths the auth hook lets through without a key. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(["/ping", "/v1/healthy"]);

/** The loop passed (or idled) recently and the engine answered recently. */
export function isHealthy(s: DeviceSnapshot, now: number, withinMs: number): boolean {
  const h = s.health;
  return h.engineOk && now - h.loopAliveAt <= withinMs && now - h.engineOkAt <= withinMs;
}

export function registerHealth(app: FastifyInstance, ctx: ApiContext): void {
  app.get("/ping", async (_req, reply) => reply.type("text/plain; charset=utf-8").send("OK"));

  app.get("/v1/healthy", async (_req, reply) => {
    let ok = false;
    try {
      ok = isHealthy(ctx.controller.snapshot(), Date.now(), ctx.limits.healthyWithinMs);
    } catch (e) {
      ctx.log(`api: /v1/healthy: snapshot failed: ${String(e)}`);
    }
    return reply.code(ok ? 200 : 500).send();
  });
}
