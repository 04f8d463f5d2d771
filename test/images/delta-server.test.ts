import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { writeFile } from "node:fs/promises";
import { test } from "node:test";
import { DeltaCache } from "../../src/images/delta-cache.ts";
import { createDeltaServer, DELTA_MEDIA_TYPE } from "../../src/images/delta-server.ts";
import { withTmp } from "../delta/support.ts";

const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:${"b".repeat(64)}`;
const C = `sha256:${"c".repeat(64)}`;
const REF_B = `127.0.0.1:5555/app@sha256:${"d".repeat(64)}`;

async function withServer(
  fn: (base: string, calls: string[], resolved: string[]) => Promise<void>,
  compute?: (calls: string[]) => (b: string, t: string, file: string) => Promise<void>,
) {
  await withTmp(async (dir) => {
    const calls: string[] = [];
    const resolved: string[] = [];
    const body = (b: string, t: string) => Buffer.from(`delta ${b} ${t}\n`.repeat(100));
    const cache = new DeltaCache(
      dir,
      compute?.(calls) ??
        (async (b, t, out) => {
          calls.push(`${b}>${t}`);
          await new Promise((r) => setTimeout(r, 20));
          await writeFile(out, body(b, t));
        }),
    );
    const server = createDeltaServer({
      cache,
      resolveImage: async (ref) => {
        resolved.push(ref);
        if (ref === REF_B) return B;
        return ref === A || ref === B ? ref : undefined;
      },
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      await fn(`http://127.0.0.1:${port}`, calls, resolved);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
}

test("GET ?src&dest computes once, then serves the cached delta with its digest", () =>
  withServer(async (url, calls) => {
    const [r1, r2] = await Promise.all([
      fetch(`${url}/?src=${A}&dest=${B}`),
      fetch(`${url}/delta?src=${A}&dest=${B}`),
    ]);
    const b1 = Buffer.from(await r1.arrayBuffer());
    assert.equal(r1.status, 200);
    assert.equal(r1.headers.get("content-type"), DELTA_MEDIA_TYPE);
    const digest = `sha256:${createHash("sha256").update(b1).digest("hex")}`;
    assert.equal(r1.headers.get("x-edgevisor-delta-digest"), digest);
    assert.deepEqual(Buffer.from(await r2.arrayBuffer()), b1);
    const r3 = await fetch(`${url}/?src=${A}&dest=${B}`);
    assert.deepEqual(Buffer.from(await r3.arrayBuffer()), b1);
    assert.deepEqual(calls, [`${A}>${B}`]);

    const part = await fetch(`${url}/?src=${A}&dest=${B}`, { headers: { range: "bytes=100-" } });
    assert.equal(part.status, 206);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), b1.subarray(100));
    const same = await fetch(`${url}/?src=${A}&dest=${B}`, {
      headers: { "if-none-match": `"${digest}"` },
    });
    assert.equal(same.status, 304);
  }));

test("bad parameters are 400, unknown images 404, failures carry the error code", () =>
  withServer(
    async (url) => {
      const bad = await fetch(`${url}/?src=app:1&dest=${B}`);
      assert.equal(bad.status, 400);
      const missing = await fetch(`${url}/?src=${A}&dest=${C}`);
      assert.equal(missing.status, 404);
      assert.match(((await missing.json()) as { message: string }).message, /not on this server/);
      const failed = await fetch(`${url}/?src=${A}&dest=${B}`);
      assert.equal(failed.status, 400);
      assert.equal(((await failed.json()) as { error: string }).error, "EV_DELTA_INVALID");
    },
    () => async () => {
      const { EvError } = await import("../../src/errors.ts");
      throw new EvError("EV_DELTA_INVALID", "boom");
    },
  ));

test("dest as a digest reference is resolved once; a cached pair is served without the engine", () =>
  withServer(async (url, calls, resolved) => {
    const q = `${url}/?src=${A}&dest=${encodeURIComponent(REF_B)}`;
    const first = await fetch(q);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get("x-edgevisor-target-id"), B);
    const body = Buffer.from(await first.arrayBuffer());
    assert.deepEqual(calls, [`${A}>${B}`]);
    resolved.length = 0;
    const again = await fetch(q, { headers: { range: "bytes=10-" } });
    assert.equal(again.status, 206);
    assert.equal(again.headers.get("content-range"), `bytes 10-${body.length - 1}/${body.length}`);
    assert.deepEqual(Buffer.from(await again.arrayBuffer()), body.subarray(10));
    assert.deepEqual(resolved, [], "neither the reference nor the ids are looked up again");
    const stale = await fetch(q, { headers: { range: "bytes=10-", "if-range": '"sha256:old"' } });
    assert.equal(stale.status, 200, "If-Range with another ETag gets the whole file");
    await stale.arrayBuffer();
    const tag = await fetch(`${url}/?src=${A}&dest=app:2`);
    assert.equal(tag.status, 400, "tags are mutable: only ids and digest references");
    const unknown = await fetch(
      `${url}/?src=${A}&dest=${encodeURIComponent(`app@sha256:${"e".repeat(64)}`)}`,
    );
    assert.equal(unknown.status, 404);
  }));
