// GET /ping and GET /v1/healthy: unauthenticated, outside every rate limit and pool, and
// answered from the in-memory snapshot only, so they stay quick while other routes are
// flooded.
import type { FastifyInstance } from "fastify";
import { judgeHealth } from "../../health/health-state.ts";
import type { ApiContext } from "../context.ts";

/** Paths the auth hook lets through without a key. */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(["/ping", "/v1/healthy"]);

export function registerHealth(app: FastifyInstance, ctx: ApiContext): void {
  app.get("/ping", async (_req, reply) => reply.type("text/plain; charset=utf-8").send("OK"));

  app.get("/v1/healthy", async (_req, reply) => {
    let ok = false;
    try {
      // The watchdog's own judgement (same facts, same policy), so the two never disagree.
      ok = judgeHealth(ctx.controller.snapshot().health, ctx.healthPolicy, Date.now()).healthy;
    } catch (e) {
      ctx.log(`api: /v1/healthy: snapshot failed: ${String(e)}`);
    }
    return reply.code(ok ? 200 : 500).send();
  });
}
