// balena's v1 endpoints. v1 answers in its historical shapes: "OK" text, {Data, Error} for
// reboot/shutdown, {containerId} for app stop/start, 204 for update.
import type { FastifyInstance } from "fastify";
import { ask, checkApp, withSlot, type ApiContext } from "../context.ts";
import { bodyOf, fail, sendError, sendPowerError, truthy } from "../replies.ts";
import { appV1, deviceV1 } from "../views.ts";

export function registerV1(app: FastifyInstance, ctx: ApiContext): void {
  app.get("/v1/device", async (_req, reply) =>
    reply.send(deviceV1(ctx.controller.snapshot(), ctx.apiPort(), ctx.host())),
  );

  for (const kind of ["reboot", "shutdown"] as const) {
    app.post(`/v1/${kind}`, async (req, reply) => {
      try {
        await ask(ctx, { kind, force: truthy(bodyOf(req.body).force) });
        return reply.code(202).send({ Data: "OK", Error: "" });
      } catch (e) {
        return sendPowerError(reply, e, ctx.log);
      }
    });
  }

  app.post("/v1/update", async (req, reply) => {
    try {
      await ask(ctx, { kind: "update", force: truthy(bodyOf(req.body).force) });
      return reply.code(204).send();
    } catch (e) {
      return sendError(reply, e, ctx.log);
    }
  });

  app.post("/v1/restart", async (req, reply) => {
    const body = bodyOf(req.body);
    if (checkApp(ctx, req, reply, body.appId) === undefined) return reply;
    try {
      await ask(ctx, { kind: "restartApp", force: truthy(body.force) });
      return reply.type("text/plain; charset=utf-8").send("OK");
    } catch (e) {
      return sendError(reply, e, ctx.log);
    }
  });

  app.post("/v1/purge", async (req, reply) => {
    const body = bodyOf(req.body);
    if (checkApp(ctx, req, reply, body.appId) === undefined) return reply;
    return withSlot(ctx.expensive, "expensive requests", reply, async () => {
      try {
        await ask(ctx, { kind: "purge", force: truthy(body.force) });
        return reply.send({ Data: "OK", Error: "" });
      } catch (e) {
        return sendError(reply, e, ctx.log);
      }
    });
  });

  app.post<{ Params: { appId: string } }>("/v1/apps/:appId/stop", async (req, reply) => {
    if (checkApp(ctx, req, reply, req.params.appId) === undefined) return reply;
    try {
      await ask(ctx, { kind: "stopApp", force: truthy(bodyOf(req.body).force) });
      return reply.send(containerIds(ctx));
    } catch (e) {
      return sendError(reply, e, ctx.log);
    }
  });

  app.post<{ Params: { appId: string } }>("/v1/apps/:appId/start", async (req, reply) => {
    if (checkApp(ctx, req, reply, req.params.appId) === undefined) return reply;
    try {
      await ask(ctx, { kind: "startApp" });
      return reply.send(containerIds(ctx));
    } catch (e) {
      return sendError(reply, e, ctx.log);
    }
  });

  app.get<{ Params: { appId: string } }>("/v1/apps/:appId", async (req, reply) => {
    if (checkApp(ctx, req, reply, req.params.appId) === undefined) return reply;
    const view = appV1(ctx.controller.snapshot());
    return view.ok ? reply.send(view.body) : fail(reply, 400, view.message);
  });
}

/**
 * balena answers v1 stop/start with the container of its single service. edgevisor acts on
 * every service of the app; with one service the answer is balena's, with more it also
 * lists each service's container.
 */
function containerIds(ctx: ApiContext): Record<string, unknown> {
  const services = ctx.controller.snapshot().status.services;
  const first = services[0]?.container ?? null;
  if (services.length <= 1) return { containerId: first };
  return {
    containerId: first,
    containerIds: Object.fromEntries(services.map((s) => [s.service, s.container ?? null])),
  };
}
