// App name, top-level volumes, interpolation over the whole file, release id.
import assert from "node:assert/strict";
import { test } from "node:test";
import { sanitiseAppName } from "../../src/release/app-name.ts";
import { canonicalJson, computeReleaseId } from "../../src/release/release-id.ts";
import { errors, ok, oneError, parse, web } from "./helpers.ts";

test("app name: option, then top-level name, then directory; sanitised", () => {
  assert.equal(parse(web("image: x")).release.app, "app");
  assert.equal(parse(`name: My Fleet.App!\n${web("image: x")}`).release.app, "myfleetapp");
  assert.equal(
    parse(`name: from-file\n${web("image: x")}`, { app: "Cli_App" }).release.app,
    "cli_app",
  );
  assert.equal(sanitiseAppName("--Edge Gateway 2"), "edgegateway2");
  oneError(parse(`name: "!!!"\n${web("image: x")}`), "1:7", "name", /no usable characters/);
});

test("top-level volumes with driver, driver_opts and labels", () => {
  const out = parse(
    web(
      "image: x\nvolumes: [data:/data, cache:/cache]",
      `volumes:\n  data:\n  cache:\n    driver: local\n    driver_opts: { type: tmpfs, device: tmpfs }\n    labels: { tier: cache }`,
    ),
  );
  ok(out);
  assert.deepEqual(out.release.volumes, {
    data: { name: "data", driver: "local", driverOpts: {}, labels: {} },
    cache: {
      name: "cache",
      driver: "local",
      driverOpts: { type: "tmpfs", device: "tmpfs" },
      labels: { tier: "cache" },
    },
  });
});

test("interpolation applies to every string value before validation", () => {
  const out = parse(
    `services:
  web:
    image: registry.local/web:\${TAG:-latest}
    mem_limit: \${MEM}
    cpus: \${CPUS}
    privileged: \${PRIV}
    ports: ["\${PORT}:80"]
    command: echo $$HOME \${GREETING}`,
    { env: { MEM: "256m", CPUS: "0.5", PRIV: "true", PORT: "8080", GREETING: "hi there" } },
  );
  const spec = ok(out);
  assert.equal(spec.image, "registry.local/web:latest");
  assert.equal(spec.memLimit, 256 * 1024 ** 2);
  assert.equal(spec.cpus, 0.5);
  assert.equal(spec.privileged, true);
  assert.deepEqual(spec.ports, [{ target: 80, published: 8080, protocol: "tcp" }]);
  assert.deepEqual(spec.command, ["echo", "$HOME", "hi", "there"]);
});

test("keys are not interpolated", () => {
  const out = parse(web("image: x", "volumes:\n  ${NAME}:\n"), { env: { NAME: "data" } });
  oneError(out, "5:3", 'volumes["${NAME}"]', /expected a name of letters/);
  assert.equal(errors(out).length, 1);
});

test("build services without image get a derived repository (the loader adds the tag)", () => {
  const out = parse(
    `services:\n  Web:\n    build: ./web\n  api:\n    image: my/api:1\n    build:\n      context: api\n      dockerfile: docker/Dockerfile.prod\n      args: { VERSION: "2", FROM_ENV: null }\n      target: runtime\n      labels: [a=b]`,
    { env: { FROM_ENV: "e" } },
  );
  assert.equal(ok(out, "Web").image, "app_web");
  assert.deepEqual(ok(out, "Web").build, {
    context: "/srv/app/web",
    dockerfile: "Dockerfile",
    args: {},
    labels: {},
  });
  assert.equal(ok(out, "api").image, "my/api:1");
  assert.deepEqual(ok(out, "api").build, {
    context: "/srv/app/api",
    dockerfile: "docker/Dockerfile.prod",
    args: { VERSION: "2", FROM_ENV: "e" },
    target: "runtime",
    labels: { a: "b" },
  });
  assert.deepEqual(
    out.builds.map((b) => [b.service, b.derived, `${b.at.line}:${b.at.column}`]),
    [
      ["Web", true, "3:12"],
      ["api", false, "7:7"],
    ],
  );
});

test("canonical JSON sorts keys at every level and drops undefined", () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [2, { z: 1, y: undefined }], c: null } }),
    '{"a":{"c":null,"d":[2,{"z":1}]},"b":1}',
  );
});

test("releaseId is a 12-hex content hash, independent of key order", () => {
  const a = parse(web("image: x\nmem_limit: 1g\nrestart: always")).release;
  const b = parse(web("restart: always\nmem_limit: 1g\nimage: x")).release;
  const c = parse(web("image: x\nmem_limit: 2g")).release;
  assert.match(computeReleaseId(a), /^[0-9a-f]{12}$/);
  assert.equal(computeReleaseId(a), computeReleaseId(b));
  assert.notEqual(computeReleaseId(a), computeReleaseId(c));
});
