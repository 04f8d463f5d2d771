import assert from "node:assert/strict";
import { test } from "node:test";
import { containerPlan } from "../../src/engine/container-config.ts";
import { LABEL } from "../../src/engine/labels.ts";
import { release, service } from "../support/release-builders.ts";

const full = service("web", {
  image: "web:2",
  command: ["node", "server.js"],
  entrypoint: ["/init"],
  environment: { PORT: "80", BALENA_SERVICE_NAME: "custom" },
  labels: { "io.balena.features.dbus": "1" },
  ports: [
    { target: 80, published: 8080, protocol: "tcp" },
    { target: 53, published: 5353, hostIp: "127.0.0.1", protocol: "udp" },
  ],
  expose: ["9000"],
  volumes: [
    { type: "volume", source: "data", target: "/data", readOnly: false },
    { type: "bind", source: "/run/dbus", target: "/host/run/dbus", readOnly: true },
    { type: "tmpfs", target: "/cache", sizeBytes: 1 << 20 },
  ],
  devices: [{ pathOnHost: "/dev/ttyUSB0", pathInContainer: "/dev/ttyUSB0", permissions: "rwm" }],
  capAdd: ["NET_ADMIN"],
  capDrop: ["ALL"],
  networks: { front: { aliases: ["www"], ipv4Address: "10.9.0.5" }, back: { aliases: [] } },
  restart: "on-failure",
  restartMaxRetries: 3,
  healthcheck: {
    test: ["CMD", "true"],
    intervalMs: 1500,
    timeoutMs: 1000,
    retries: 3,
    startPeriodMs: 2000,
  },
  memLimit: 64 * 2 ** 20,
  memReservation: 32 * 2 ** 20,
  cpus: 0.5,
  cpuShares: 512,
  cpuset: "0",
  ulimits: { core: { soft: 0, hard: 0 } },
  sysctls: { "net.core.somaxconn": "1024" },
  user: "1000:1000",
  workingDir: "/app",
  hostname: "web-1",
  dns: ["1.1.1.1"],
  extraHosts: ["fleet:10.0.0.1"],
  init: true,
  readOnly: true,
  shmSize: 67108864,
  stopSignal: "SIGINT",
  stopGracePeriodMs: 15_000,
  logging: { driver: "json-file", options: { "max-size": "10m" } },
  securityOpt: ["no-new-privileges"],
  groupAdd: ["dialout"],
  pid: "host",
  ipc: "shareable",
  oomScoreAdj: 500,
});

const r = release([full], {
  app: "demo",
  releaseId: "r7",
  networks: ["front", "back"],
  volumes: ["data"],
});

test("every compose field reaches the engine's create body", () => {
  const {
    name,
    options: o,
    extraNetworks,
  } = containerPlan({
    release: r,
    service: full,
    configHash: "abcdef0123456789",
    lockDir: "/run/locks/demo/web",
  });
  assert.equal(name, "demo_web_abcdef012345");
  assert.equal(o.Image, "web:2");
  assert.deepEqual(o.Cmd, ["node", "server.js"]);
  assert.deepEqual(o.Entrypoint, ["/init"]);
  assert.ok(o.Env!.includes("PORT=80"));
  assert.ok(
    o.Env!.includes("BALENA_SERVICE_NAME=custom"),
    "the user's environment wins over balena's defaults",
  );
  assert.ok(o.Env!.includes("BALENA_APP_LOCK_PATH=/tmp/balena/updates.lock"));
  assert.equal(o.Labels![LABEL.managed], "true");
  assert.equal(o.Labels![LABEL.release], "r7");
  assert.equal(o.Labels!["io.balena.features.dbus"], "1");
  assert.deepEqual(Object.keys(o.ExposedPorts!).sort(), ["53/udp", "80/tcp", "9000/tcp"]);
  assert.deepEqual(o.Healthcheck, {
    Test: ["CMD", "true"],
    Interval: 1.5e9,
    Timeout: 1e9,
    Retries: 3,
    StartPeriod: 2e9,
  });
  assert.equal(o.StopSignal, "SIGINT");
  assert.equal(o.StopTimeout, 15);
  assert.equal(o.Hostname, "web-1");
  assert.equal(o.User, "1000:1000");
  assert.equal(o.WorkingDir, "/app");
  const h = o.HostConfig!;
  assert.deepEqual(h.Mounts, [
    { Type: "volume", Source: "demo_data", Target: "/data", ReadOnly: false },
    { Type: "bind", Source: "/run/dbus", Target: "/host/run/dbus", ReadOnly: true },
    {
      Type: "tmpfs",
      Source: "",
      Target: "/cache",
      TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777 },
    },
    { Type: "bind", Source: "/run/locks/demo/web", Target: "/tmp/balena", ReadOnly: false },
    { Type: "bind", Source: "/run/locks/demo/web", Target: "/tmp/resin", ReadOnly: false },
  ]);
  assert.deepEqual(h.PortBindings, {
    "80/tcp": [{ HostIp: "", HostPort: "8080" }],
    "53/udp": [{ HostIp: "127.0.0.1", HostPort: "5353" }],
  });
  assert.deepEqual(h.Devices, [
    { PathOnHost: "/dev/ttyUSB0", PathInContainer: "/dev/ttyUSB0", CgroupPermissions: "rwm" },
  ]);
  assert.deepEqual([h.CapAdd, h.CapDrop], [["NET_ADMIN"], ["ALL"]]);
  assert.deepEqual(h.RestartPolicy, { Name: "on-failure", MaximumRetryCount: 3 });
  assert.equal(h.Memory, 64 * 2 ** 20);
  assert.equal(h.MemoryReservation, 32 * 2 ** 20);
  assert.equal(h.NanoCpus, 5e8);
  assert.equal(h.CpuShares, 512);
  assert.equal(h.CpusetCpus, "0");
  assert.deepEqual(h.Ulimits, [{ Name: "core", Soft: 0, Hard: 0 }]);
  assert.deepEqual(h.Sysctls, { "net.core.somaxconn": "1024" });
  assert.deepEqual([h.Dns, h.ExtraHosts], [["1.1.1.1"], ["fleet:10.0.0.1"]]);
  assert.equal(h.Init, true);
  assert.equal(h.ReadonlyRootfs, true);
  assert.equal(h.ShmSize, 67108864);
  assert.deepEqual(h.LogConfig, { Type: "json-file", Config: { "max-size": "10m" } });
  assert.deepEqual(
    [h.SecurityOpt, h.GroupAdd, h.PidMode, h.IpcMode, h.OomScoreAdj],
    [["no-new-privileges"], ["dialout"], "host", "shareable", 500],
  );
  // One network at create (API 1.41), the others connected before start.
  assert.equal(h.NetworkMode, "demo_front");
  assert.deepEqual(o.NetworkingConfig, {
    EndpointsConfig: {
      demo_front: { Aliases: ["web", "www"], IPAMConfig: { IPv4Address: "10.9.0.5" } },
    },
  });
  assert.deepEqual(extraNetworks, [
    { name: "demo_back", aliases: ["web"], ipv4Address: undefined },
  ]);
});

test("host and service:X network modes attach no release network", () => {
  const host = service("agent", { networkMode: "host", networks: {} });
  const hp = containerPlan({ release: r, service: host, configHash: "h", lockDir: "/l" });
  assert.equal(hp.options.HostConfig!.NetworkMode, "host");
  assert.equal(hp.options.NetworkingConfig, undefined);

  const side = service("side", { networkMode: "service:web", networks: {} });
  const sp = containerPlan({
    release: r,
    service: side,
    configHash: "s",
    lockDir: "/l",
    netnsContainerId: "abc123",
  });
  assert.equal(sp.options.HostConfig!.NetworkMode, "container:abc123");
  assert.equal(sp.options.Labels![LABEL.netnsOf], "abc123");
  assert.equal(sp.options.Hostname, undefined, "a shared namespace has the owner's hostname");
});

test("restart: no becomes the engine's empty policy", () => {
  const p = containerPlan({
    release: r,
    service: service("job", { restart: "no" }),
    configHash: "j",
    lockDir: "/l",
  });
  assert.deepEqual(p.options.HostConfig!.RestartPolicy, { Name: "", MaximumRetryCount: 0 });
});

test("device policy: rotated logs and no core dumps unless the service asks", () => {
  const plain = containerPlan({
    release: r,
    service: service("job"),
    configHash: "j",
    lockDir: "/l",
  });
  assert.deepEqual(plain.options.HostConfig!.LogConfig, {
    Type: "json-file",
    Config: { "max-size": "10m", "max-file": "3" },
  });
  assert.deepEqual(plain.options.HostConfig!.Ulimits, [{ Name: "core", Soft: 0, Hard: 0 }]);
  const asked = service("dbg", {
    labels: { "io.edgevisor.core-dumps": "enabled" },
    ulimits: { nofile: { soft: 1, hard: 2 } },
  });
  const p = containerPlan({ release: r, service: asked, configHash: "d", lockDir: "/l" });
  assert.deepEqual(p.options.HostConfig!.Ulimits, [{ Name: "nofile", Soft: 1, Hard: 2 }]);
});
