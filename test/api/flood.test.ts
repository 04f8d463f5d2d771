// Under a bounded loopback flood (20,000 requests in at most 10 s from a child process,
// mostly to an expensive route, a rate-limited read and key guessing), /ping and
// /v1/healthy keep answering 200. Latency is not asserted here: bench/api/flood.ts
// measures it (npm run bench:api).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { percentile, probe } from "../../bench/api/probe.ts";
import type { FloodResult } from "../../bench/api/flooder.ts";
import { APP_KEY, GLOBAL_KEY, serve } from "./fake.ts";

const FLOODER = fileURLToPath(new URL("../../bench/api/flooder.ts", import.meta.url));

test("/ping and /v1/healthy answer 200 throughout a flood", { timeout: 60_000 }, async (t) => {
  const s = await serve();
  try {
    const child = spawn(
      process.execPath,
      [FLOODER, s.base, GLOBAL_KEY, APP_KEY, "20000", "64", "10000"],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    const ac = new AbortController();
    const probing = probe(s.base, ac.signal, 2);
    const code = await exited;
    ac.abort();
    const p = await probing;

    assert.equal(code, 0);
    const result = JSON.parse(out) as FloodResult;
    t.diagnostic(`flood: ${JSON.stringify(result)}`);
    t.diagnostic(
      `probe: ${p.latenciesMs.length} requests, p50 ${percentile(p.latenciesMs, 50).toFixed(2)} ms, p99 ${percentile(p.latenciesMs, 99).toFixed(2)} ms`,
    );
    assert.ok(result.sent <= 20_000);
    assert.ok((result.byStatus["429"] ?? 0) > 0, "the flood was rate limited");
    assert.equal(result.byStatus.error, undefined, "no flood request failed at the socket");
    assert.ok(p.latenciesMs.length > 20, "probes ran during the flood");
    for (const k of Object.keys(p.statuses)) assert.match(k, / 200$/, JSON.stringify(p.statuses));
    // Only the flood's few accepted target-state POSTs reached the agent.
    assert.ok(s.fake.requests.length <= (result.byStatus["200"] ?? 0));
  } finally {
    await s.close();
  }
});
