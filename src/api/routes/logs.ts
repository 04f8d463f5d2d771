// GET /v2/local/logs: the app's container output as NDJSON, one object per line, streamed
// until the client goes away. Streams are few (a pool), and each ends its agent-side
// iteration through an AbortSignal when the connection closes.
import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { identityOf, unauthorized, type ApiContext } from "../context.ts";
import { mayActOn } from "../auth.ts";
import type { LogLine } from "../device-controller.ts";
import { fail, truthy } from "../replies.ts";
import { serviceNumber } from "../views.ts";

export function registerLogs(app: FastifyInstance, ctx: ApiContext): void {
  app.get("/v2/local/logs", async (req, reply) => {
    const snap = ctx.controller.snapshot();
    if (!mayActOn(identityOf(req), snap.appId)) return unauthorized(reply);
    const q = (req.query ?? {}) as Record<string, unknown>;
    const follow = q.follow === undefined ? true : truthy(q.follow);
    const services = listOf(q.service);
    const release = ctx.logStreams.tryAcquire();
    if (!release) {
      reply.header("retry-after", "1");
      return fail(reply, 503, `${ctx.logStreams.max} log streams already open; retry shortly`);
    }
    const ac = new AbortController();
    reply.raw.on("close", () => {
      ac.abort();
      release();
    });
    const app = (snap.target ?? snap.current)?.app ?? snap.appName ?? "";
    const lines = ctx.controller.logs(
      { follow, ...(services.length ? { services } : {}) },
      ac.signal,
    );
    const stream = Readable.from(ndjson(lines, app, ac.signal), { objectMode: false });
    stream.on("error", (e) => {
      ctx.log(`api: log stream: ${String(e)}`);
      release();
    });
    return reply
      .type("application/x-ndjson; charset=utf-8")
      .header("cache-control", "no-cache")
      .send(stream);
  });
}

async function* ndjson(
  lines: AsyncIterable<LogLine>,
  app: string,
  signal: AbortSignal,
): AsyncGenerator<string> {
  // A first line so a client sees the response start before the first log arrives.
  yield `${JSON.stringify({ message: "streaming logs", isSystem: true, timestamp: Date.now() })}\n`;
  for await (const l of lines) {
    if (signal.aborted) return;
    yield `${JSON.stringify({
      message: l.message,
      timestamp: l.timestamp,
      serviceName: l.service,
      serviceId: serviceNumber(app, l.service),
      imageId: serviceNumber(app, l.service),
      isStdErr: l.isStdErr,
      isSystem: false,
    })}\n`;
  }
}

/** `?service=a&service=b` or `?service=a,b`. */
function listOf(v: unknown): string[] {
  const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return all.flatMap((x) => String(x).split(",")).filter((x) => x !== "");
}
