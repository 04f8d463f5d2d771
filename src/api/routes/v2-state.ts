// balena's v2 device reads (status, version, name) and the explicit volume cleanup.
import type { FastifyInstance } from "fastify";
import { ask, identityOf, unauthorized, withSlot, type ApiContext } from "../context.ts";
import { mayActOn } from "../auth.ts";
import { sendError } from "../replies.ts";
import { stateStatus } from "../views.ts";

export function registerV2State(app: FastifyInstance, ctx: ApiContext): void {
  app.get("/v2/state/status", async (req, reply) => {
    const snap = ctx.controller.snapshot();
    const view = stateStatus(snap);
    // A key for another app sees the device's state but none of this app's parts.
    if (!mayActOn(identityOf(req), snap.appId))
      return reply.send({ ...view, containers: [], images: [], release: null });
    return reply.send(view);
  });

  app.get("/v2/version", async (_req, reply) =>
    reply.send({ status: "success", version: ctx.controller.snapshot().agentVersion }),
  );

  app.get("/v2/device/name", async (_req, reply) =>
    reply.send({ status: "success", deviceName: ctx.controller.snapshot().deviceName }),
  );

  // A GET that changes state, as in balena: removes the app's named volumes the target no
  // longer references. Never implicit; only this call or the CLI does it.
  app.get("/v2/cleanup-volumes", async (req, reply) => {
    if (!mayActOn(identityOf(req), ctx.controller.snapshot().appId)) return unauthorized(reply);
    return withSlot(ctx.expensive, "expensive requests", reply, async () => {
      try {
        await ask(ctx, { kind: "cleanupVolumes" });
        return reply.send({ status: "success" });
      } catch (e) {
        return sendError(reply, e, ctx.log);
      }
    });
  });
}
