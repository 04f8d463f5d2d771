// A bounded loopback flood of the local API: `total` requests over at most `durationMs`,
// `concurrency` at a time on keep-alive sockets, mixed over an expensive route
// (target-state POST), a rate-limited state read, and key guessing. Prints the status
// counts as JSON when run as a script:
//   node bench/api/flooder.ts <base-url> <global-key> <app-key> [total] [concurrency] [durationMs]
import http from "node:http";
import { fileURLToPath } from "node:url";

export interface FloodOptions {
  base: string;
  globalKey: string;
  appKey: string;
  total: number;
  concurrency: number;
  durationMs: number;
}

export interface FloodResult {
  sent: number;
  byStatus: Record<string, number>;
  elapsedMs: number;
}

const COMPOSE = `services:
  web:
    image: registry.example/web:3
    environment: { MODE: prod, LEVEL: "2" }
    mem_limit: 64m
    ports: ["8080:80"]
  worker:
    image: registry.example/worker:3
    depends_on: [web]
`;

function pick(i: number, o: FloodOptions): { method: string; path: string; body?: string } {
  switch (i % 10) {
    case 0:
    case 1:
    case 2:
    case 3:
      return {
        method: "POST",
        path: `/v2/local/target-state?apikey=${o.globalKey}`,
        body: JSON.stringify({ compose: COMPOSE }),
      };
    case 4:
    case 5:
    case 6:
      return { method: "GET", path: `/v2/applications/state?apikey=${o.appKey}` };
    default:
      return { method: "GET", path: `/v1/device?apikey=guess${i}` };
  }
}

export async function flood(o: FloodOptions): Promise<FloodResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency });
  const url = new URL(o.base);
  const byStatus: Record<string, number> = {};
  const start = Date.now();
  let next = 0;
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const r = pick(i, o);
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: r.method,
          path: r.path,
          headers: r.body ? { "content-type": "application/json" } : {},
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            const k = String(res.statusCode);
            byStatus[k] = (byStatus[k] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.on("error", () => {
        byStatus.error = (byStatus.error ?? 0) + 1;
        resolve();
      });
      req.end(r.body);
    });
  const worker = async () => {
    while (next < o.total && Date.now() - start < o.durationMs) await one(next++);
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  agent.destroy();
  return { sent: next, byStatus, elapsedMs: Date.now() - start };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [base, globalKey, appKey, total = "20000", concurrency = "64", durationMs = "10000"] =
    process.argv.slice(2);
  if (!base || !globalKey || !appKey) {
    console.error("usage: flooder.ts <base-url> <global-key> <app-key> [total] [concurrency] [ms]");
    process.exit(2);
  }
  const result = await flood({
    base,
    globalKey,
    appKey,
    total: Number(total),
    concurrency: Number(concurrency),
    durationMs: Number(durationMs),
  });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
