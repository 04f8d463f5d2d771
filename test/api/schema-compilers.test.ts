// fastify's JSON-schema compilers (ajv, the fast-json-stringify compiler) are built on first use: a
// listening API without schemas never loads them, and a route with schemas still gets
// validation and serialization from them.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, test } from "node:test";
import { createApiServer } from "../../src/api/server.ts";
import { ApiKeys } from "../../src/api/api-keys.ts";
import { FakeController, serve } from "./fake.ts";

/** CommonJS modules loaded so far in this process (ajv and its kin are CommonJS). */
const loaded = (pkg: string) =>
  Object.keys(createRequire(import.meta.url).cache).filter((f) =>
    f.includes(`/node_modules/${pkg}/`),
  );

describe("API schema compilers", () => {
  test("a listening API has not loaded ajv or fast-json-stringify", async () => {
    const s = await serve();
    try {
      assert.equal((await fetch(`${s.base}/ping`)).status, 200);
      assert.ok(loaded("fastify").length > 0, "the check sees fastify's own modules");
      assert.deepEqual(loaded("ajv"), []);
      // Only its small runtime (fastify's precompiled error serializer uses it), not the compiler.
      assert.deepEqual(
        loaded("fast-json-stringify").filter((f) => !f.includes("/fast-json-stringify/lib/")),
        [],
      );
    } finally {
      await s.close();
    }
  });

  test("a route with schemas validates its body and serializes its reply", async () => {
    const server = createApiServer({
      controller: new FakeController(),
      keys: ApiKeys.fromData({ global: "g".repeat(64), apps: {} }),
      log: () => {},
      host: () => ({ ipAddresses: [], osVersion: "test" }),
    });
    server.app.post(
      "/ping/schema-probe",
      {
        schema: {
          body: { type: "object", required: ["n"], properties: { n: { type: "integer" } } },
          response: { 200: { type: "object", properties: { twice: { type: "integer" } } } },
        },
      },
      async (req) => ({ twice: (req.body as { n: number }).n * 2, dropped: true }),
    );
    const [addr] = await server.listen([{ host: "127.0.0.1", port: 0 }]);
    const post = (body: unknown) =>
      fetch(`http://127.0.0.1:${addr!.port}/ping/schema-probe`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${"g".repeat(64)}` },
        body: JSON.stringify(body),
      });
    try {
      const bad = await post({ n: "x" });
      assert.equal(bad.status, 400, await bad.text());
      const good = await post({ n: 21 });
      assert.equal(good.status, 200);
      // The response schema has no "dropped": fast-json-stringify leaves it out.
      assert.deepEqual(await good.json(), { twice: 42 });
      assert.ok(loaded("ajv").length > 0, "ajv was loaded for the schema");
    } finally {
      await server.close();
    }
  });
});
