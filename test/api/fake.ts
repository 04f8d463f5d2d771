// A DeviceController that records what the API sends and answers from a literal snapshot,
// plus a helper that serves the API on 127.0.0.1:0 for a test.
import { once } from "node:events";
import type {
  AgentRequest,
  DeviceController,
  DeviceSnapshot,
  LogLine,
  RequestResult,
} from "../../src/api/device-controller.ts";
import { ApiKeys } from "../../src/api/api-keys.ts";
import type { ApiLimitsInput } from "../../src/api/limits.ts";
import type { HealthPolicy } from "../../src/health/health-state.ts";
import { createApiServer, type ApiServer } from "../../src/api/server.ts";
import { release, service } from "../support/release-builders.ts";

export const GLOBAL_KEY = "g".repeat(64);
export const APP_KEY = "a".repeat(64);
export const OTHER_APP_KEY = "o".repeat(64);

export function snapshot(over: Partial<DeviceSnapshot> = {}): DeviceSnapshot {
  const target = release(
    [
      service("web", { image: "web:2", environment: { PORT: "80" } }),
      service("db", { image: "db:2" }),
    ],
    { app: "demo", releaseId: "abc123def456" },
  );
  const now = Date.now();
  return {
    uuid: "u-1",
    deviceName: "shy-river",
    appId: 1,
    appName: "demo",
    agentVersion: "0.1.0",
    startedAt: new Date(now - 60_000).toISOString(),
    status: {
      overall: "applied",
      app: "demo",
      targetRelease: "abc123def456",
      currentRelease: "abc123def456",
      services: [
        {
          service: "web",
          image: "web:2",
          container: "demo_web_aaaaaaaaaaaa",
          state: "running",
          release: "abc123def456",
          outdated: false,
        },
        {
          service: "db",
          image: "db:2",
          container: "demo_db_bbbbbbbbbbbb",
          state: "running",
          release: "abc123def456",
          outdated: false,
        },
      ],
      waiting: [],
      pendingSteps: 0,
      unusedVolumes: [],
      alerts: [],
    },
    target,
    current: target,
    health: { loopAliveAt: now, engineOkAt: now, engineOk: true },
    stoppedServices: [],
    unusedVolumes: [],
    ...over,
  };
}

export class FakeController implements DeviceController {
  snap: DeviceSnapshot;
  readonly requests: AgentRequest[] = [];
  /** How a request is answered; replace to refuse or delay. */
  answer: (r: AgentRequest) => Promise<RequestResult> = async (r) => ({
    message: `accepted ${r.kind}`,
  });
  readonly logCalls: { opts: { follow: boolean; services?: string[] }; signal: AbortSignal }[] = [];
  logLines: LogLine[] = [];

  constructor(snap: DeviceSnapshot = snapshot()) {
    this.snap = snap;
  }

  snapshot(): DeviceSnapshot {
    return this.snap;
  }

  request(r: AgentRequest): Promise<RequestResult> {
    this.requests.push(r);
    return this.answer(r);
  }

  async *logs(
    opts: { follow: boolean; services?: string[] },
    signal: AbortSignal,
  ): AsyncIterable<LogLine> {
    this.logCalls.push({ opts, signal });
    for (const l of this.logLines) {
      if (opts.services && !opts.services.includes(l.service)) continue;
      yield l;
    }
    if (opts.follow && !signal.aborted) await once(signal, "abort");
  }
}

export interface Served {
  base: string;
  fake: FakeController;
  server: ApiServer;
  logs: string[];
  close(): Promise<void>;
}

export async function serve(
  opts: { fake?: FakeController; limits?: ApiLimitsInput; healthPolicy?: HealthPolicy } = {},
): Promise<Served> {
  const fake = opts.fake ?? new FakeController();
  const keys = ApiKeys.fromData({ global: GLOBAL_KEY, apps: { "1": APP_KEY, "7": OTHER_APP_KEY } });
  const logs: string[] = [];
  const server = createApiServer({
    controller: fake,
    keys,
    limits: opts.limits ?? {},
    ...(opts.healthPolicy ? { healthPolicy: opts.healthPolicy } : {}),
    log: (l) => logs.push(l),
    host: () => ({ ipAddresses: ["192.168.1.20", "10.114.101.1"], osVersion: "Debian 13" }),
  });
  const [addr] = await server.listen([{ host: "127.0.0.1", port: 0 }]);
  return {
    base: `http://127.0.0.1:${addr!.port}`,
    fake,
    server,
    logs,
    close: () => server.close(),
  };
}

/** fetch with the global key in the Authorization header. */
export function call(
  s: Served,
  path: string,
  init: {
    method?: string;
    body?: unknown;
    key?: string | null;
    headers?: Record<string, string>;
  } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers };
  const key = init.key === undefined ? GLOBAL_KEY : init.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    headers["content-type"] ??= "application/json";
  }
  return fetch(`${s.base}${path}`, { method: init.method ?? "GET", headers, body });
}
