// GET|POST /v2/local/target-state. GET shows the target the agent holds; POST replaces it
// with a compose file sent as text (see target-compose.ts). Setting the target can run any
// container with any privilege, so it takes the global key: an app's own key, which its
// containers hold, cannot.
import type { FastifyInstance } from "fastify";
import { ask, identityOf, unauthorized, withSlot, type ApiContext } from "../context.ts";
import { mayActOn } from "../auth.ts";
import { formatIssue } from "../../release/issues.ts";
import { bodyOf, fail, sendError, truthy } from "../replies.ts";
import { parsePostedTarget, readPostedTarget } from "../target-compose.ts";
import { appNameOf } from "../views.ts";

export function registerLocal(app: FastifyInstance, ctx: ApiContext): void {
  app.get("/v2/local/target-state", async (req, reply) => {
    const snap = ctx.controller.snapshot();
    if (!mayActOn(identityOf(req), snap.appId)) return unauthorized(reply);
    const t = snap.target;
    return reply.send({
      status: "success",
      state: t
        ? { appId: snap.appId, app: t.app, releaseId: t.releaseId, release: t }
        : { appId: snap.appId, app: null, releaseId: null, release: null },
    });
  });

  app.post("/v2/local/target-state", async (req, reply) => {
    if (identityOf(req).kind !== "global") return unauthorized(reply);
    const posted = readPostedTarget(req.body);
    if (typeof posted === "string") return fail(reply, 400, posted);
    const force = truthy(bodyOf(req.body).force);
    return withSlot(ctx.expensive, "expensive requests", reply, async () => {
      const snap = ctx.controller.snapshot();
      const parsed = parsePostedTarget(posted, { fallbackApp: appNameOf(snap) ?? "app" });
      if (!parsed.ok) {
        const n = parsed.issues.length;
        return fail(
          reply,
          400,
          `compose has ${n === 1 ? "1 error" : `${n} errors`}; the target was not changed:\n${parsed.issues
            .map((i) => `  ${formatIssue(i)}`)
            .join("\n")}`,
          { code: "EV_RELEASE_INVALID", issues: parsed.issues },
        );
      }
      try {
        const result = await ask(ctx, { kind: "setTarget", release: parsed.release, force });
        return reply.send({
          status: "success",
          message: "OK",
          detail: result.message,
          releaseId: parsed.release.releaseId,
          warnings: parsed.warnings,
        });
      } catch (e) {
        return sendError(reply, e, ctx.log);
      }
    });
  });
}
