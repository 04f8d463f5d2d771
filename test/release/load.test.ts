// loadRelease end to end on real files (temp dirs and the balena-style fixture).
import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { EvError } from "../../src/errors.ts";
import { formatIssue, loadRelease, ReleaseInvalidError } from "../../src/release/index.ts";

const FIXTURE = path.join(import.meta.dirname, "fixtures", "balena-multi");
let root: string;
let n = 0;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), "ev-load-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function fixtureCopy(): Promise<string> {
  const dir = path.join(root, `balena-multi-${n++}`);
  await cp(FIXTURE, dir, { recursive: true });
  return dir;
}

async function dirWith(files: Record<string, string>): Promise<string> {
  const dir = path.join(root, `app${n++}`);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

async function loadError(source: string, options = {}): Promise<ReleaseInvalidError> {
  const e = await loadRelease(source, options).then(
    () => assert.fail("expected the load to fail"),
    (err: unknown) => err,
  );
  assert.ok(e instanceof ReleaseInvalidError, String(e));
  return e;
}

test("the balena-style fixture loads into the typed release", async () => {
  const { release, warnings, file } = await loadRelease(FIXTURE, { env: { NODE_VERSION: "22" } });
  assert.equal(file, path.join(FIXTURE, "docker-compose.yml"));
  assert.equal(release.app, "balena-multi");
  assert.match(release.releaseId, /^[0-9a-f]{12}$/);
  assert.deepEqual(Object.keys(release.services), [
    "gateway",
    "sensor",
    "mqtt",
    "influxdb",
    "grafana",
  ]);
  assert.deepEqual(Object.keys(release.volumes).sort(), [
    "grafana-data",
    "influx-data",
    "mqtt-data",
  ]);
  assert.deepEqual(Object.keys(release.networks), ["default"]);

  const { gateway, sensor, mqtt, influxdb, grafana } = release.services;
  assert.ok(gateway && sensor && mqtt && influxdb && grafana);
  assert.match(gateway.image, /^balena-multi_gateway:[0-9a-f]{12}$/);
  assert.deepEqual(gateway.build?.args, { NODE_VERSION: "22" });
  assert.equal(gateway.networkMode, "host");
  assert.deepEqual(gateway.networks, {});
  assert.deepEqual(gateway.features, ["dbus", "supervisor-api"]);
  assert.equal(gateway.updateStrategy, "kill-then-download");
  assert.equal(gateway.environment.LOG_LEVEL, "info", "KEY without value comes from .env");
  assert.deepEqual(gateway.logging, {
    driver: "json-file",
    options: { "max-size": "10m", "max-file": "3" },
  });
  assert.equal(gateway.restart, "unless-stopped");

  assert.match(sensor.image, /^balena-multi_sensor:[0-9a-f]{12}$/);
  assert.deepEqual(sensor.environment, {
    SENSOR_BUS: "1",
    SENSOR_ADDRESS: "0x76",
    SAMPLE_INTERVAL: "10s",
  });
  assert.deepEqual(sensor.dependsOn, { mqtt: { condition: "service_started" } });
  assert.deepEqual(sensor.volumes, [{ type: "tmpfs", target: "/tmp" }]);
  assert.deepEqual(sensor.features, ["kernel-modules"]);

  assert.equal(mqtt.image, "eclipse-mosquitto:2.0.18");
  assert.deepEqual(mqtt.healthcheck?.test, [
    "CMD",
    "mosquitto_sub",
    "-t",
    "$SYS/#",
    "-C",
    "1",
    "-W",
    "3",
  ]);
  assert.equal(mqtt.memLimit, 64 * 1024 ** 2);
  assert.equal(mqtt.restart, "always");

  assert.equal(influxdb.healthcheck?.intervalMs, 90_000);
  assert.equal(influxdb.stopGracePeriodMs, 30_000);

  assert.equal(grafana.updateStrategy, "hand-over");
  assert.equal(grafana.handoverTimeoutMs, 120_000);
  assert.equal(grafana.environment.GF_SECURITY_ADMIN_PASSWORD, "change-me");
  assert.deepEqual(grafana.dependsOn, { influxdb: { condition: "service_healthy" } });
  assert.deepEqual(grafana.volumes[1], {
    type: "bind",
    source: path.join(FIXTURE, "grafana", "provisioning"),
    target: "/etc/grafana/provisioning",
    readOnly: true,
  });

  assert.deepEqual(warnings.map(formatIssue), [
    `${path.join(FIXTURE, "docker-compose.yml")}:98:5 services.grafana.container_name: not supported: edgevisor names containers from the app and service names`,
  ]);
});

test("the process env wins over .env; loading twice gives the same release", async () => {
  const a = await loadRelease(FIXTURE, { env: { MOSQUITTO_TAG: "2.0.19" } });
  assert.equal(a.release.services.mqtt?.image, "eclipse-mosquitto:2.0.19");
  const b = await loadRelease(FIXTURE, { env: { MOSQUITTO_TAG: "2.0.19" } });
  assert.deepEqual(b.release, a.release);
  const c = await loadRelease(FIXTURE);
  assert.notEqual(c.release.releaseId, a.release.releaseId);
});

test("a changed build context gives a new image tag and releaseId; an ignored file does not", async () => {
  const dir = await fixtureCopy();
  const before = await loadRelease(dir);
  await writeFile(path.join(dir, "gateway", "debug.log"), "ignored by .dockerignore");
  const same = await loadRelease(dir);
  assert.equal(same.release.services.gateway?.image, before.release.services.gateway?.image);
  assert.equal(same.release.releaseId, before.release.releaseId);
  await writeFile(path.join(dir, "gateway", "src", "index.js"), 'console.log("v2");\n');
  const after = await loadRelease(dir);
  assert.notEqual(after.release.services.gateway?.image, before.release.services.gateway?.image);
  assert.equal(after.release.services.sensor?.image, before.release.services.sensor?.image);
  assert.notEqual(after.release.releaseId, before.release.releaseId);
});

test("options: app and releaseId override", async () => {
  const { release } = await loadRelease(FIXTURE, { app: "Fleet-A", releaseId: "r-42" });
  assert.equal(release.app, "fleet-a");
  assert.equal(release.releaseId, "r-42");
  assert.match(release.services.gateway?.image ?? "", /^fleet-a_gateway:/);
});

test("finds compose.yaml in a directory, or takes a file path", async () => {
  const dir = await dirWith({
    "compose.yaml": "name: direct\nservices:\n  web:\n    image: nginx\n",
  });
  assert.equal((await loadRelease(dir)).release.app, "direct");
  const file = path.join(
    await dirWith({ "other.yml": "services:\n  web:\n    image: nginx\n" }),
    "other.yml",
  );
  assert.equal((await loadRelease(file)).file, file);
});

test("a missing source or a directory without a compose file is EV_RELEASE_NOT_FOUND", async () => {
  for (const source of [path.join(root, "nope"), await dirWith({ "README.md": "" })]) {
    await assert.rejects(
      loadRelease(source),
      (e: unknown) => e instanceof EvError && e.code === "EV_RELEASE_NOT_FOUND",
    );
  }
});

test("invalid releases throw one EvError listing every issue with file:line:column", async () => {
  const dir = await dirWith({
    "docker-compose.yml":
      "services:\n  web:\n    image: nginx\n    mem_limit: lots\n    depends_on: [db]\n    volumes: [data:/data]\n",
  });
  const e = await loadError(dir);
  assert.ok(e instanceof EvError);
  assert.equal(e.code, "EV_RELEASE_INVALID");
  assert.equal(e.exitCode, 3);
  const file = path.join(dir, "docker-compose.yml");
  assert.deepEqual(e.issues.map(formatIssue), [
    `${file}:4:16 services.web.mem_limit: expected a byte size like "512m" or "1g" (or a number of bytes), got "lots"`,
    `${file}:5:18 services.web.depends_on[0]: service "db" is not declared under services`,
    `${file}:6:15 services.web.volumes[0]: volume "data" is not declared under top-level volumes`,
  ]);
  assert.match(e.message, /3 errors/);
  for (const issue of e.issues) assert.ok(e.message.includes(formatIssue(issue)));
  assert.match(e.format(), /^EV_RELEASE_INVALID: /);
});

test("a missing build context or Dockerfile is an error at the build field", async () => {
  const dir = await dirWith({
    "docker-compose.yml":
      "services:\n  a:\n    build: ./missing\n  b:\n    build:\n      context: ./b\n",
    "b/README": "",
  });
  const e = await loadError(dir);
  assert.deepEqual(
    e.issues.map((i) => `${i.line}:${i.column} ${i.path}`),
    ["3:12 services.a.build", "6:7 services.b.build"],
  );
  assert.match(e.issues[0]?.message ?? "", /is not a directory/);
  assert.match(e.issues[1]?.message ?? "", /Dockerfile .* does not exist/);
});

test("a balena Dockerfile.template gets a pointed message", async () => {
  const dir = await dirWith({
    "docker-compose.yml": "services:\n  a:\n    build: ./a\n",
    "a/Dockerfile.template": "FROM balenalib/%%BALENA_MACHINE_NAME%%-alpine\n",
  });
  const e = await loadError(dir);
  assert.match(e.issues[0]?.message ?? "", /Dockerfile\.template files are not supported/);
});

test("build context errors are reported together with the other errors", async () => {
  const dir = await dirWith({
    "docker-compose.yml": "services:\n  a:\n    build: ./missing\n    cpus: none\n",
  });
  const e = await loadError(dir);
  assert.deepEqual(
    e.issues.map((i) => `${i.line}:${i.column} ${i.path}`),
    ["3:12 services.a.build", "4:11 services.a.cpus"],
  );
});

test("a broken .env line is an error naming the .env file", async () => {
  const dir = await dirWith({
    "docker-compose.yml": "services:\n  web:\n    image: nginx\n",
    ".env": "A=1\nthis is wrong\n",
  });
  const e = await loadError(dir);
  assert.equal(
    formatIssue(e.issues[0]!),
    `${path.join(dir, ".env")}:2:1 expected KEY=VALUE, got "this is wrong"`,
  );
});

test("a relative source is reported as given", async () => {
  const dir = await dirWith({
    "docker-compose.yml": "services:\n  web:\n    image: nginx\n    cpus: x\n",
  });
  const rel = path.relative(process.cwd(), dir);
  const e = await loadError(rel);
  assert.equal(e.issues[0]?.file, path.join(rel, "docker-compose.yml"));
});
