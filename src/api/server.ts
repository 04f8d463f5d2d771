// The local API server: fastify for routing, body limits and parsing; our own hooks for
// auth and rate limits; one request handler served on every listen address (loopback and
// the supervisor network's gateway). It reads the agent's snapshot and sends requests to
// the loop through DeviceController — it never talks to the engine.
import http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import Fastify, {
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerOptions,
} from "fastify";
import type { HealthPolicy } from "../health/health-state.ts";
import type { ApiKeys } from "./api-keys.ts";
import { clientOf, presentedKey } from "./auth.ts";
import { ConcurrencyLimit } from "./concurrency.ts";
import { unauthorized, type ApiContext } from "./context.ts";
import type { DeviceController } from "./device-controller.ts";
import { hostFactsReader } from "./host-facts.ts";
import { resolveLimits, type ApiLimitsInput } from "./limits.ts";
import { RateLimiter } from "./rate-limit.ts";
import { fail, sendError } from "./replies.ts";
import { PUBLIC_PATHS, registerHealth } from "./routes/health.ts";
import { registerLocal } from "./routes/local.ts";
import { registerLogs } from "./routes/logs.ts";
import { registerV1 } from "./routes/v1.ts";
import { registerV2Apps } from "./routes/v2-apps.ts";
import { registerV2State } from "./routes/v2-state.ts";
import type { HostFacts } from "./views.ts";

export const DEFAULT_API_PORT = 48484;

export interface ApiServerOptions {
  controller: DeviceController;
  keys: ApiKeys;
  limits?: ApiLimitsInput;
  log: (line: string) => void;
  /** Host facts for /v1/device; default: read from the OS, cached. */
  host?: () => HostFacts;
  /**
   * The health monitor's policy (pass the daemon's, so /v1/healthy and the watchdog agree);
   * default: loop and engine both within `limits.healthyWithinMs`.
   */
  healthPolicy?: HealthPolicy;
}

export interface ListenAddress {
  host: string;
  port: number;
}

export interface ApiServer {
  /** Listen on each address (port 0 picks one); resolves to the bound addresses. */
  listen(addresses: ListenAddress[]): Promise<ListenAddress[]>;
  close(): Promise<void>;
  /** For tests and the daemon: the fastify instance (inject, routes). */
  readonly app: FastifyInstance;
}

export function createApiServer(opts: ApiServerOptions): ApiServer {
  const limits = resolveLimits(opts.limits);
  const servers: http.Server[] = [];
  let handler: http.RequestListener | undefined;
  let apiPort = DEFAULT_API_PORT;
  const app = Fastify({
    logger: false,
    bodyLimit: limits.bodyBytes,
    schemaController: { compilersFactory: lazySchemaCompilers() },
    // One handler, served by our own http servers (one per address) — see listen().
    serverFactory: (h) => {
      handler = h;
      return http.createServer(h);
    },
  });
  const ctx: ApiContext = {
    controller: opts.controller,
    keys: opts.keys,
    limits,
    healthPolicy: opts.healthPolicy ?? {
      loopMaxAgeMs: limits.healthyWithinMs,
      engineMaxAgeMs: limits.healthyWithinMs,
    },
    log: opts.log,
    expensive: new ConcurrencyLimit(limits.expensiveConcurrency),
    logStreams: new ConcurrencyLimit(limits.logStreams),
    apiPort: () => apiPort,
    host: opts.host ?? hostFactsReader(),
  };
  installBodyParsers(app);
  installGate(app, ctx, {
    perKey: new RateLimiter(limits.perKey, limits.trackedClients),
    perAddress: new RateLimiter(limits.perAddress, limits.trackedClients),
  });
  installErrors(app, ctx);
  registerHealth(app, ctx);
  registerV1(app, ctx);
  registerV2Apps(app, ctx);
  registerV2State(app, ctx);
  registerLocal(app, ctx);
  registerLogs(app, ctx);

  return {
    app,
    async listen(addresses) {
      await app.ready();
      const bound: ListenAddress[] = [];
      for (const a of addresses) {
        const server = http.createServer(
          {
            requestTimeout: limits.receiveTimeoutMs,
            headersTimeout: limits.receiveTimeoutMs,
            keepAliveTimeout: limits.keepAliveMs,
            // How often the two timeouts above are checked (Node's default is 30 s).
            connectionsCheckingInterval: Math.max(100, Math.min(1000, limits.receiveTimeoutMs / 4)),
          },
          handler!,
        );
        servers.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(a.port, a.host, () => {
            server.off("error", reject);
            resolve();
          });
        });
        const info = server.address() as AddressInfo;
        bound.push({ host: info.address, port: info.port });
      }
      if (bound[0]) apiPort = bound[0].port;
      return bound;
    },
    async close() {
      await Promise.all(servers.map(closeServer));
      servers.length = 0;
      await app.close();
    },
  };
}

type SchemaCompilers = NonNullable<
  NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]
>;

/**
 * fastify builds its JSON-schema compilers (ajv with its formats, fast-json-stringify: about
 * 1 MB of source and some MB of the idle agent's memory, docs/benchmarks.md) when an instance
 * is created, yet no route of this API declares a schema. They are built on first use
 * instead, from fastify's own dependencies. One difference a future schema would meet: with
 * a factory given, fastify leaves a headers schema's keys as written (no lower-casing).
 */
function lazySchemaCompilers(): SchemaCompilers {
  const fromFastify = createRequire(import.meta.resolve("fastify"));
  // Both packages export a factory of the compiler builder fastify calls per route.
  type Builder = (...args: unknown[]) => unknown;
  const onFirstUse = (pkg: string): Builder => {
    let build: Builder | undefined;
    return (...args) => (build ??= (fromFastify(pkg) as () => Builder)())(...args);
  };
  return {
    buildValidator: onFirstUse("@fastify/ajv-compiler"),
    buildSerializer: onFirstUse("@fastify/fast-json-stringify-compiler"),
  } as SchemaCompilers;
}

/** Stop accepting, let requests in progress finish briefly, then cut what is left (streams). */
async function closeServer(server: http.Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const grace = setTimeout(() => server.closeAllConnections(), 1000);
  await closed;
  clearTimeout(grace);
}

/**
 * JSON bodies may be empty (balena's curl examples POST with a JSON content type and no
 * body); urlencoded bodies are read as flat objects, as balena's express server did.
 */
function installBodyParsers(app: FastifyInstance): void {
  const json = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    if (typeof body === "string" && body.trim() === "") return done(null, {});
    json(req, body as string, done);
  });
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string" },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
}

/**
 * Before any body is read: /ping and /v1/healthy pass untouched; everything else needs a
 * key. A valid key is charged to its own bucket, anything else (no key, a wrong key) to
 * the caller's address, so key guessing is slow and a flood without a key does not eat the
 * budget of callers that have one.
 */
function installGate(
  app: FastifyInstance,
  ctx: ApiContext,
  buckets: { perKey: RateLimiter; perAddress: RateLimiter },
): void {
  app.decorateRequest("identity", null);
  app.addHook("onRequest", async (req: FastifyRequest, reply) => {
    if (PUBLIC_PATHS.has(req.routeOptions.url ?? "")) return;
    const identity = ctx.keys.identify(presentedKey(req.query, req.headers.authorization));
    const taken = identity
      ? buckets.perKey.take(clientOf(identity))
      : buckets.perAddress.take(`addr:${req.socket.remoteAddress ?? "?"}`);
    if (!taken.ok) {
      reply.header("retry-after", String(taken.retryAfterSec));
      return fail(reply, 429, `too many requests; retry in ${taken.retryAfterSec} s`);
    }
    if (!identity) return unauthorized(reply);
    req.identity = identity;
  });
}

function installErrors(app: FastifyInstance, ctx: ApiContext): void {
  app.setNotFoundHandler((req, reply) =>
    fail(reply, 404, `no such endpoint: ${req.method} ${req.url.split("?")[0]}`),
  );
  app.setErrorHandler(
    (err: { statusCode?: number; code?: string; message?: string }, _req, reply) => {
      if (err.statusCode === 413)
        return fail(reply, 413, `request body larger than ${ctx.limits.bodyBytes} bytes`);
      if (err.statusCode === 415)
        return fail(reply, 415, "send application/json (or x-www-form-urlencoded) bodies");
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
        return fail(reply, err.statusCode, err.message ?? "bad request");
      return sendError(reply, err, ctx.log);
    },
  );
}
