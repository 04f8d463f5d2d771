// Unknown or unsupported fields are warnings with positions, never errors.
import assert from "node:assert/strict";
import { test } from "node:test";
import { errors, ok, parse, warnings, web } from "./helpers.ts";

function warned(out: ReturnType<typeof parse>): string[] {
  return warnings(out).map((w) => `${w.line}:${w.column} ${w.path}: ${w.message}`);
}

test("unsupported service fields warn with a reason", () => {
  const out = parse(
    web(`image: x
container_name: web1
deploy:
  resources: {}
configs: [c]
secrets: [s]
profiles: [debug]
links: [db]
frobnicate: true
x-custom: ignored`),
  );
  ok(out);
  assert.deepEqual(warned(out), [
    "4:5 services.web.container_name: not supported: edgevisor names containers from the app and service names",
    "5:5 services.web.deploy: not supported: orchestrator settings are not used on a device; use mem_limit, cpus and restart",
    "7:5 services.web.configs: not supported: configs are not supported on devices; use environment or a volume",
    "8:5 services.web.secrets: not supported: secrets are not supported on devices; use environment or a volume",
    "9:5 services.web.profiles: not supported: every service of a release runs; profiles are ignored",
    "10:5 services.web.links: not supported: legacy links are not supported; services reach each other by name on release networks",
    "11:5 services.web.frobnicate: unknown field, ignored",
  ]);
});

test("unsupported top-level fields, external volumes and networks warn; version and x- are ignored", () => {
  const out = parse(`version: "2.1"
x-anchors: {}
name: demo
services:
  web:
    image: x
    volumes: [data:/data]
    networks: [outside]
volumes:
  data:
    external: true
networks:
  outside:
    external: true
configs:
  c: {}
secrets:
  s: {}
whatever: 1`);
  assert.deepEqual(errors(out), []);
  assert.deepEqual(warned(out), [
    '11:5 volumes.data.external: external volumes are not supported; "data" is created and managed as a release volume',
    '14:5 networks.outside.external: external networks are not supported; "outside" is created and managed as a release network',
    "15:1 configs: not supported: configs are not supported on devices",
    "17:1 secrets: not supported: secrets are not supported on devices",
    "19:1 whatever: unknown top-level field, ignored",
  ]);
  assert.ok(out.release.volumes.data);
  assert.ok(out.release.networks.outside);
});

test("unsupported build fields warn", () => {
  const out = parse(web(`build:\n  context: .\n  cache_from: [x]\n  platforms: [linux/arm64]`));
  assert.deepEqual(errors(out), []);
  assert.deepEqual(
    warnings(out).map((w) => w.path),
    ["services.web.build.cache_from", "services.web.build.platforms"],
  );
});

test("an unset variable warns once, at its first use", () => {
  const out = parse(web("image: x:${TAG}\nhostname: ${TAG}"));
  assert.deepEqual(warned(out), [
    "3:12 services.web.image: variable TAG is not set; substituting an empty string",
  ]);
});
