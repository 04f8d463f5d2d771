import assert from "node:assert/strict";
import { test } from "node:test";
import { isImageReference } from "../../src/release/image-ref.ts";
import { ok, oneError, parse, web } from "./helpers.ts";

test("accepts the usual image reference shapes", () => {
  for (const ref of [
    "nginx",
    "nginx:1.27-alpine",
    "library/nginx:latest",
    "ghcr.io/acme/edge-agent:v2.1.0",
    "registry.local:5000/team/app",
    "localhost/app:dev",
    "balenalib/raspberrypi4-64-debian:bookworm",
    `alpine@sha256:${"a".repeat(64)}`,
    `alpine:3.20@sha256:${"0".repeat(64)}`,
    "my_app__x.y-z",
  ]) {
    assert.ok(isImageReference(ref), ref);
  }
});

test("rejects malformed references", () => {
  for (const ref of [
    "",
    "Nginx",
    "nginx:",
    "nginx:bad tag",
    "has space",
    "a//b",
    "-lead",
    "x@sha256:short",
    "x:-tag",
  ]) {
    assert.ok(!isImageReference(ref), ref);
  }
});

test("an invalid image is an error with what is accepted", () => {
  oneError(
    parse(web("image: Nginx:latest")),
    "3:12",
    "services.web.image",
    /an image reference like "nginx:1.27"/,
  );
});

test("working_dir must be absolute, stop_signal a signal", () => {
  oneError(
    parse(web("image: x\nworking_dir: app")),
    "4:18",
    "services.web.working_dir",
    /an absolute path, got "app"/,
  );
  oneError(
    parse(web("image: x\nstop_signal: TERM")),
    "4:18",
    "services.web.stop_signal",
    /a signal like "SIGTERM"/,
  );
  assert.equal(ok(parse(web("image: x\nstop_signal: SIGRTMIN+3"))).stopSignal, "SIGRTMIN+3");
});

test("pid and ipc: fixed modes or service:X, which must exist and becomes a dependency", () => {
  const out = parse(`services:
  db: { image: db }
  web:
    image: x
    pid: "service:db"
    ipc: host`);
  const spec = ok(out, "web");
  assert.equal(spec.pid, "service:db");
  assert.equal(spec.ipc, "host");
  assert.deepEqual(spec.dependsOn, { db: { condition: "service_started" } });
  oneError(
    parse(web("image: x\npid: private")),
    "4:10",
    "services.web.pid",
    /expected "host", "service:<name>" or "container:<id>"/,
  );
  oneError(
    parse(web("image: x\nipc: service:ghost")),
    "4:10",
    "services.web.ipc",
    /service "ghost" is not declared/,
  );
});

test("network_mode: service:X adds an implicit service_started dependency unless one is given", () => {
  const out = parse(`services:
  vpn: { image: vpn }
  web:
    image: x
    network_mode: service:vpn
  api:
    image: y
    network_mode: service:vpn
    depends_on:
      vpn: { condition: service_healthy }`);
  assert.deepEqual(ok(out, "web").dependsOn, { vpn: { condition: "service_started" } });
  assert.deepEqual(ok(out, "api").dependsOn, { vpn: { condition: "service_healthy" } });
});

test("fields merged from an anchor are reported at the anchor, with the path where they are used", () => {
  const out = parse(`x-base: &base
  mem_limit: lots
services:
  web:
    <<: *base
    image: x`);
  oneError(out, "2:14", "services.web.mem_limit", /a byte size/);
});
