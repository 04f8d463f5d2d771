// Latency of the cheap lane: GET /ping and GET /v1/healthy, one at a time on one keep-alive
// socket, every `intervalMs`, until `signal` aborts. Used by the flood test and benchmark.
import http from "node:http";

export interface ProbeResult {
  latenciesMs: number[];
  statuses: Record<string, number>;
}

export async function probe(
  base: string,
  signal: AbortSignal,
  intervalMs = 2,
  max = Infinity,
): Promise<ProbeResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(base);
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  let i = 0;
  while (!signal.aborted && i < max) {
    const path = i++ % 2 === 0 ? "/ping" : "/v1/healthy";
    const t0 = process.hrtime.bigint();
    const status = await new Promise<string>((resolve) => {
      const req = http.get({ agent, host: url.hostname, port: url.port, path }, (res) => {
        res.resume();
        res.on("end", () => resolve(String(res.statusCode)));
      });
      req.on("error", (e) => resolve(`error:${(e as NodeJS.ErrnoException).code}`));
    });
    latenciesMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    statuses[`${path} ${status}`] = (statuses[`${path} ${status}`] ?? 0) + 1;
    if (intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs));
  }
  agent.destroy();
  return { latenciesMs, statuses };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
