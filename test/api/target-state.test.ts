// GET|POST /v2/local/target-state: compose text in, a typed Release handed to the agent;
// positioned errors for what does not parse or is refused over the API.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { EvError } from "../../src/errors.ts";
import type { AgentRequest } from "../../src/api/device-controller.ts";
import { call, serve, type Served } from "./fake.ts";

let s: Served;
before(async () => {
  s = await serve();
});
after(() => s.close());
beforeEach(() => {
  s.fake.requests.length = 0;
  s.fake.answer = async () => ({ message: "target set" });
});

const COMPOSE = `services:
  web:
    image: registry.example/web:\${TAG}
    environment:
      MODE: prod
    labels:
      io.balena.features.supervisor-api: "1"
    mem_limit: 64m
`;

test("POST a compose text: setTarget with the parsed release, app and force", async () => {
  const r = await call(s, "/v2/local/target-state", {
    method: "POST",
    body: { compose: COMPOSE, app: "shop", env: { TAG: "3" }, force: true },
  });
  assert.equal(r.status, 200);
  const body = (await r.json()) as Record<string, unknown>;
  assert.equal(body.status, "success");
  assert.equal(body.message, "OK");
  assert.match(String(body.releaseId), /^[0-9a-f]{12}$/);
  assert.equal(s.fake.requests.length, 1);
  const req = s.fake.requests[0] as Extract<AgentRequest, { kind: "setTarget" }>;
  assert.equal(req.kind, "setTarget");
  assert.equal(req.force, true);
  assert.equal(req.release.app, "shop");
  assert.equal(req.release.releaseId, body.releaseId);
  const web = req.release.services.web!;
  assert.equal(web.image, "registry.example/web:3");
  assert.deepEqual(web.environment, { MODE: "prod" });
  assert.deepEqual(web.features, ["supervisor-api"]);
  assert.equal(web.memLimit, 64 * 1024 * 1024);
});

test("interpolation uses only the body's env, never the agent's", async () => {
  process.env.EV_API_TEST_SECRET = "leak";
  const r = await call(s, "/v2/local/target-state", {
    method: "POST",
    body: { compose: "services:\n  web:\n    image: web:${EV_API_TEST_SECRET:-none}\n" },
  });
  assert.equal(r.status, 200);
  const req = s.fake.requests[0] as Extract<AgentRequest, { kind: "setTarget" }>;
  assert.equal(req.release.services.web!.image, "web:none");
  assert.equal(req.release.app, "demo", "the device's app name when the file names none");
});

test("invalid compose → 400 with positioned issues; nothing sent", async () => {
  const r = await call(s, "/v2/local/target-state", {
    method: "POST",
    body: { compose: "services:\n  web:\n    image: web:1\n    mem_limit: lots\n" },
  });
  assert.equal(r.status, 400);
  const body = (await r.json()) as {
    status: string;
    code: string;
    message: string;
    issues: { line: number; column: number; path: string; file: string }[];
  };
  assert.equal(body.status, "failed");
  assert.equal(body.code, "EV_RELEASE_INVALID");
  assert.match(
    body.message,
    /^compose has 1 error; the target was not changed:\n {2}compose:4:16 /,
  );
  assert.deepEqual(
    body.issues.map((i) => [i.file, i.line, i.column, i.path]),
    [["compose", 4, 16, "services.web.mem_limit"]],
  );
  assert.deepEqual(s.fake.requests, []);
});

test("builds, env_file and relative bind sources are refused over the API, each positioned", async () => {
  const compose = `services:
  web:
    build: ./web
    env_file: web.env
    volumes:
      - ./data:/data
`;
  const r = await call(s, "/v2/local/target-state", { method: "POST", body: { compose } });
  assert.equal(r.status, 400);
  const body = (await r.json()) as { issues: { line: number; message: string }[] };
  const got = body.issues.map((i) => [i.line, i.message.split(" ").slice(0, 2).join(" ")]);
  assert.deepEqual(got, [
    [3, "build is"],
    [4, "env_file is"],
    [6, "bind source"],
  ]);
  assert.deepEqual(s.fake.requests, []);
});

test("a body without compose text is 400 and says what is expected", async () => {
  for (const body of [
    {},
    { local: { apps: {} } },
    { compose: 3 },
    { compose: "x", env: { A: 1 } },
  ]) {
    const r = await call(s, "/v2/local/target-state", { method: "POST", body });
    assert.equal(r.status, 400);
  }
  const r = await call(s, "/v2/local/target-state", { method: "POST", body: {} });
  assert.match(((await r.json()) as { message: string }).message, /expected \{"compose"/);
  assert.deepEqual(s.fake.requests, []);
});

test("the agent refusing the target is mapped by its code", async () => {
  s.fake.answer = async () => {
    throw new EvError("EV_UPDATE_LOCKED", "web holds its update lock");
  };
  const r = await call(s, "/v2/local/target-state", {
    method: "POST",
    body: { compose: "services:\n  web:\n    image: web:1\n" },
  });
  assert.equal(r.status, 423);
});

test("GET returns the target the agent holds", async () => {
  const r = await call(s, "/v2/local/target-state");
  assert.equal(r.status, 200);
  const body = (await r.json()) as {
    status: string;
    state: { appId: number; app: string; releaseId: string; release: { services: object } };
  };
  assert.equal(body.status, "success");
  assert.equal(body.state.appId, 1);
  assert.equal(body.state.app, "demo");
  assert.equal(body.state.releaseId, "abc123def456");
  assert.deepEqual(Object.keys(body.state.release.services), ["web", "db"]);
});
