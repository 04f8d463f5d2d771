// GET /v2/local/logs: NDJSON, filters passed to the agent, the stream ends when the client
// goes away (the agent's signal aborts and the pool slot frees), 503 over the stream limit.
import assert from "node:assert/strict";
import { test } from "node:test";
import { serviceNumber } from "../../src/api/views.ts";
import { GLOBAL_KEY, serve } from "./fake.ts";

const LINES = [
  { timestamp: 1000, service: "web", isStdErr: false, message: "listening on :80" },
  { timestamp: 1001, service: "db", isStdErr: true, message: "ready" },
];

async function readLines(body: ReadableStream<Uint8Array>, n: number): Promise<unknown[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (text.split("\n").length - 1 < n) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  reader.releaseLock();
  return text
    .split("\n")
    .filter((l) => l !== "")
    .slice(0, n)
    .map((l) => JSON.parse(l));
}

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

test("follow=0: every line as NDJSON, then the response ends", async () => {
  const s = await serve();
  try {
    s.fake.logLines = LINES;
    const r = await fetch(`${s.base}/v2/local/logs?follow=0&apikey=${GLOBAL_KEY}`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /^application\/x-ndjson/);
    const lines = (await r.text())
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 3);
    assert.equal(lines[0]!.isSystem, true);
    assert.deepEqual(lines[2], {
      message: "ready",
      timestamp: 1001,
      serviceName: "db",
      serviceId: serviceNumber("demo", "db"),
      imageId: serviceNumber("demo", "db"),
      isStdErr: true,
      isSystem: false,
    });
    assert.deepEqual(s.fake.logCalls[0]!.opts, { follow: false });
  } finally {
    await s.close();
  }
});

test("following: lines arrive; a client that disconnects aborts the agent side and frees the slot", async () => {
  const s = await serve({ limits: { logStreams: 1 } });
  try {
    s.fake.logLines = LINES;
    const ac = new AbortController();
    const r = await fetch(`${s.base}/v2/local/logs?service=web&apikey=${GLOBAL_KEY}`, {
      signal: ac.signal,
    });
    const lines = await readLines(r.body!, 2);
    assert.equal((lines[1] as { serviceName: string }).serviceName, "web");
    assert.deepEqual(s.fake.logCalls[0]!.opts, { follow: true, services: ["web"] });

    const second = await fetch(`${s.base}/v2/local/logs?apikey=${GLOBAL_KEY}`);
    assert.equal(second.status, 503);
    assert.equal(second.headers.get("retry-after"), "1");
    await second.text();

    ac.abort();
    await until(() => s.fake.logCalls[0]!.signal.aborted);
    // The slot frees on the same 'close' event; allow the server a moment to see it.
    let third: Response | undefined;
    for (let i = 0; i < 50; i++) {
      third = await fetch(`${s.base}/v2/local/logs?follow=false&apikey=${GLOBAL_KEY}`);
      if (third.status === 200) break;
      await third.text();
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(third!.status, 200);
    await third!.text();
  } finally {
    await s.close();
  }
});

test("closing the server ends open streams", async () => {
  const s = await serve();
  const r = await fetch(`${s.base}/v2/local/logs?apikey=${GLOBAL_KEY}`);
  await readLines(r.body!, 1);
  const t0 = Date.now();
  await s.close();
  assert.ok(Date.now() - t0 < 3000);
  await until(() => s.fake.logCalls[0]!.signal.aborted);
});
