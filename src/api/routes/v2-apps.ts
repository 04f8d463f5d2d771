// balena's v2 application endpoints: service actions by name or imageId, app restart and
// purge, and the per-app state. Success is "OK" text, failures {status:"failed", message}.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ask, checkApp, identityOf, withSlot, type ApiContext } from "../context.ts";
import type { AgentRequest } from "../device-controller.ts";
import { bodyOf, fail, sendError, toAppId, truthy } from "../replies.ts";
import { applicationsState, resolveService } from "../views.ts";
import { mayActOn } from "../auth.ts";

type Params = { Params: { appId: string } };

const SERVICE_ACTIONS = {
  "restart-service": (service: string, force: boolean): AgentRequest => ({
    kind: "restartService",
    service,
    force,
  }),
  "stop-service": (service: string, force: boolean): AgentRequest => ({
    kind: "stopService",
    service,
    force,
  }),
  "start-service": (service: string): AgentRequest => ({ kind: "startService", service }),
} as const;

export function registerV2Apps(app: FastifyInstance, ctx: ApiContext): void {
  for (const [action, toRequest] of Object.entries(SERVICE_ACTIONS)) {
    app.post<Params>(`/v2/applications/:appId/${action}`, async (req, reply) => {
      if (checkApp(ctx, req, reply, req.params.appId) === undefined) return reply;
      const body = bodyOf(req.body);
      const service = serviceOf(ctx, body, reply);
      if (service === undefined) return reply;
      return act(ctx, reply, toRequest(service, truthy(body.force)));
    });
  }

  app.post<Params>("/v2/applications/:appId/restart", async (req, reply) => {
    if (checkApp(ctx, req, reply, req.params.appId) === undefined) return reply;
    return act(ctx, reply, { kind: "restartApp", force: truthy(bodyOf(req.body).force) });
  });

  app.post<Params>("/v2/applications/:appId/purge", async (req, reply) => {
    if (checkApp(ctx, req, reply, req.params.appId) === undefined) return reply;
    const force = truthy(bodyOf(req.body).force);
    return withSlot(ctx.expensive, "expensive requests", reply, () =>
      act(ctx, reply, { kind: "purge", force }),
    );
  });

  app.get("/v2/applications/state", async (req: FastifyRequest, reply) => {
    const snap = ctx.controller.snapshot();
    // An app key sees its own app only (there is one app, so: it or nothing).
    if (!mayActOn(identityOf(req), snap.appId)) return reply.send({});
    return reply.send(applicationsState(snap));
  });
}

async function act(ctx: ApiContext, reply: FastifyReply, r: AgentRequest) {
  try {
    await ask(ctx, r);
    return reply.type("text/plain; charset=utf-8").send("OK");
  } catch (e) {
    return sendError(reply, e, ctx.log);
  }
}

/** balena's body names a service by `serviceName` or by `imageId`; 400 / 404 otherwise. */
function serviceOf(
  ctx: ApiContext,
  body: Record<string, unknown>,
  reply: FastifyReply,
): string | undefined {
  const serviceName = typeof body.serviceName === "string" ? body.serviceName : undefined;
  const imageId = toAppId(body.imageId);
  if (serviceName === undefined && imageId === undefined) {
    fail(reply, 400, "name the service with serviceName (or imageId from /v2/state/status)");
    return undefined;
  }
  const found = resolveService(ctx.controller.snapshot(), { serviceName, imageId });
  if (found === undefined)
    fail(
      reply,
      404,
      serviceName !== undefined
        ? `no service ${serviceName} in the app`
        : `no service with imageId ${imageId} in the app`,
    );
  return found;
}
