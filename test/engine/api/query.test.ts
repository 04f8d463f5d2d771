import assert from "node:assert/strict";
import { test } from "node:test";
import { pathSegment, queryString } from "../../../src/engine/api/query.ts";
import { pullParams, registryAuthHeader } from "../../../src/engine/api/image.ts";

test("query strings: booleans, numbers, JSON objects, repeated arrays, nothing for undefined", () => {
  assert.equal(queryString(undefined), "");
  assert.equal(queryString({ all: undefined, v: null }), "");
  assert.equal(
    queryString({ all: true, limit: 1, force: false, t: "a:1" }),
    "?all=true&limit=1&force=false&t=a%3A1",
  );
  const filters = { label: ["io.edgevisor.app=x"] };
  assert.equal(queryString({ filters }), `?filters=${encodeURIComponent(JSON.stringify(filters))}`);
  assert.equal(queryString({ t: ["a:1", "b:2"] }), "?t=a%3A1&t=b%3A2");
});

test("path segments keep reference syntax and encode the rest", () => {
  assert.equal(pathSegment("127.0.0.1:5555/team/app:v1"), "127.0.0.1:5555/team/app:v1");
  assert.equal(pathSegment("app@sha256:ab"), "app@sha256:ab");
  assert.equal(pathSegment("a b?c#d"), "a%20b%3Fc%23d");
});

test("pull parameters: a tag or digest is kept, a bare name gets latest", () => {
  assert.deepEqual(pullParams("busybox"), { fromImage: "busybox", tag: "latest" });
  assert.deepEqual(pullParams("127.0.0.1:5555/app"), {
    fromImage: "127.0.0.1:5555/app",
    tag: "latest",
  });
  assert.deepEqual(pullParams("127.0.0.1:5555/app:2"), {
    fromImage: "127.0.0.1:5555/app",
    tag: "2",
  });
  assert.deepEqual(pullParams("app@sha256:0123"), { fromImage: "app@sha256:0123" });
});

test("registry auth is URL-safe base64 with padding, as the engine decodes it", () => {
  assert.deepEqual(registryAuthHeader(undefined), {});
  const auth = { username: "u>?", password: "p~~~", serveraddress: "r:5555" };
  const header = registryAuthHeader(auth)["x-registry-auth"]!;
  assert.doesNotMatch(header, /[+/]/);
  assert.equal(header.length % 4, 0);
  assert.deepEqual(JSON.parse(Buffer.from(header, "base64url").toString()), auth);
});
