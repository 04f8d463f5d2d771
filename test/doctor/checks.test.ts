import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { clockCheck, ntpCheck } from "../../src/doctor/checks/clock.ts";
import { configJsonCheck, configTxtCheck } from "../../src/doctor/checks/config-files.ts";
import { coreDumpsCheck, coreDestination } from "../../src/doctor/checks/core-dumps.ts";
import { endpointCheck } from "../../src/doctor/checks/endpoint.ts";
import { engineCheck } from "../../src/doctor/checks/engine.ts";
import { memoryCheck, memoryLimitsCheck } from "../../src/doctor/checks/memory.ts";
import { oomCheck } from "../../src/doctor/checks/oom.ts";
import { dataPartitionSpaceCheck, dataRootSpaceCheck } from "../../src/doctor/checks/space.ts";
import { writableLayersCheck } from "../../src/doctor/checks/writable-layers.ts";
import { writeRateCheck } from "../../src/doctor/checks/write-rate.ts";
import { BUILD_DATE } from "../../src/doctor/build-date.ts";
import type { NtpState } from "../../src/doctor/host.ts";
import { GiB, MiB, container, fakeEngine, fakeHost, options, runOne, space } from "./fakes.ts";

describe("engine", () => {
  test("ok with version, driver and ping", async () => {
    const r = await runOne(engineCheck, {});
    assert.equal(r.status, "ok");
    assert.match(r.figure, /^27\.5\.1, overlay2 on extfs, ping \d+ ms$/);
  });
  test("fail when the engine does not answer", async () => {
    const engine = fakeEngine({
      ping: async () => {
        throw new Error("connect ENOENT /fake.sock");
      },
    });
    const r = await runOne(engineCheck, { engine });
    assert.equal(r.status, "fail");
    assert.match(r.figure, /no answer at unix:\/\/\/fake\.sock/);
    assert.match(r.detail, /ENOENT/);
  });
  test("warn on the vfs storage driver", async () => {
    const r = await runOne(engineCheck, {
      engine: fakeEngine({ infoOver: { storageDriver: "vfs" } }),
    });
    assert.equal(r.status, "warn");
    assert.match(r.action, /overlay2/);
  });
});

describe("space", () => {
  const root = "/var/lib/docker";
  test("data root: ok, warn, fail by share of free space", async () => {
    for (const [avail, status] of [
      [5 * GiB, "ok"],
      [1 * GiB, "warn"],
      [0.2 * GiB, "fail"],
    ] as const) {
      const host = fakeHost({ space: { [root]: space(10 * GiB, avail) } });
      const r = await runOne(dataRootSpaceCheck, { host });
      assert.equal(r.status, status, `${avail} free`);
      assert.match(r.figure, /^\/var\/lib\/docker .* free of 10\.0 GiB/);
    }
  });
  test("data root: fail when inodes run out even with space left", async () => {
    const host = fakeHost({ space: { [root]: space(10 * GiB, 8 * GiB, [1000, 10]) } });
    const r = await runOne(dataRootSpaceCheck, { host });
    assert.equal(r.status, "fail");
    assert.match(r.figure, /inodes 1% free/);
  });
  test("data root: skip when the engine is not local", async () => {
    const engine = fakeEngine({ local: false, address: "tcp://10.0.0.2:2375" });
    const r = await runOne(dataRootSpaceCheck, { engine });
    assert.equal(r.status, "skip");
    assert.match(r.figure, /not local/);
  });
  test("data partitions: worst of all, the bad one in the figure", async () => {
    const host = fakeHost({
      space: { "/mnt/data": space(4 * GiB, 3 * GiB), "/var/lib/edgevisor": space(100 * MiB, 0) },
    });
    const r = await runOne(dataPartitionSpaceCheck, {
      host,
      options: options({ dataPaths: ["/mnt/data", "/var/lib/edgevisor"] }),
    });
    assert.equal(r.status, "fail");
    assert.equal(r.figure, "/var/lib/edgevisor 0 B free of 100 MiB (0%)");
    assert.match(r.detail, /\/mnt\/data 3\.0 GiB free/);
  });
  test("data partitions: skip when none configured", async () => {
    assert.equal((await runOne(dataPartitionSpaceCheck, {})).status, "skip");
  });
});

describe("writable layers", () => {
  test("warns naming services above the threshold with their size", async () => {
    const list = [
      container("web", { sizeRwBytes: 20 * MiB }),
      container("db", { sizeRwBytes: 2 * MiB }),
      container("cache", { sizeRwBytes: 50 * MiB }),
    ];
    const r = await runOne(writableLayersCheck, { engine: fakeEngine({ list }) });
    assert.equal(r.status, "warn");
    assert.equal(r.figure, "cache 50.0 MiB, web 20.0 MiB");
    assert.match(r.action, /named volume/);
  });
  test("only managed services count when there are any", async () => {
    const list = [
      container("web", { sizeRwBytes: 1 * MiB }),
      container("stranger", { sizeRwBytes: 500 * MiB, labels: {} }),
    ];
    const r = await runOne(writableLayersCheck, { engine: fakeEngine({ list }) });
    assert.equal(r.status, "ok");
    assert.equal(r.figure, "largest: web 1.0 MiB (1 service)");
  });
  test("skipped when the engine check fails", async () => {
    const engine = fakeEngine({
      ping: async () => {
        throw new Error("down");
      },
    });
    const { runChecks } = await import("../../src/doctor/runner.ts");
    const [e, w] = await runChecks([engineCheck, writableLayersCheck], {
      engine,
      host: fakeHost(),
      options: options(),
    });
    assert.equal(e!.status, "fail");
    assert.equal(w!.status, "skip");
    assert.equal(w!.figure, "engine unavailable");
  });
});

describe("write rate", () => {
  const mountinfo = "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n";
  const stats = (sectors: number) =>
    `   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0\n 254       0 vda 37969 8070 2968282 19383 17436 28368 ${sectors} 7068 0 6336 27695\n`;
  const files = {
    "/var/lib/docker": "",
    "/proc/self/mountinfo": mountinfo,
    "/proc/diskstats": stats(1000),
  };
  test("bytes per second of the device behind the data root", async () => {
    const host = fakeHost({ files, diskstatsAfter: stats(1000 + 2048 * 3) });
    const r = await runOne(writeRateCheck, { host, options: options({ sampleMs: 3000 }) });
    assert.equal(r.status, "ok");
    assert.equal(r.figure, "vda 1.0 MiB/s over 3.0 s (≈ 84.4 GiB/day)");
  });
  test("warn above the threshold", async () => {
    const host = fakeHost({ files, diskstatsAfter: stats(1000 + 4096 * 3) });
    const r = await runOne(writeRateCheck, { host, options: options({ sampleMs: 3000 }) });
    assert.equal(r.status, "warn");
    assert.match(r.figure, /^vda 2\.0 MiB\/s/);
  });
  test("a filesystem with an anonymous device number is found by its source device", async () => {
    const host = fakeHost({
      files: { ...files, "/proc/self/mountinfo": "27 1 0:45 / / rw - btrfs /dev/vda rw\n" },
      diskstatsAfter: stats(1000 + 20 * 3),
    });
    const r = await runOne(writeRateCheck, { host, options: options({ sampleMs: 3000 }) });
    assert.equal(r.status, "ok");
    assert.match(r.figure, /^vda 10\.0 KiB\/s/);
  });
  test("skip when the data root is on a filesystem without a block device", async () => {
    const host = fakeHost({
      files: { ...files, "/proc/self/mountinfo": "27 1 0:31 / / rw - overlay overlay rw\n" },
    });
    const r = await runOne(writeRateCheck, { host });
    assert.equal(r.status, "skip");
    assert.match(r.figure, /overlay, no block device/);
  });
});

describe("memory", () => {
  const meminfo = (avail: number) =>
    `MemTotal:        1000000 kB\nMemFree:          1000 kB\nMemAvailable:   ${avail} kB\n`;
  test("headroom: ok, warn, fail", async () => {
    for (const [avail, status] of [
      [500000, "ok"],
      [100000, "warn"],
      [40000, "fail"],
    ] as const) {
      const host = fakeHost({ files: { "/proc/meminfo": meminfo(avail) } });
      assert.equal((await runOne(memoryCheck, { host })).status, status);
    }
  });
  test("services without a memory limit are listed", async () => {
    const list = [
      container("web", { memoryLimitBytes: 0 }),
      container("db"),
      container("stopped", { memoryLimitBytes: 0, running: false }),
    ];
    const r = await runOne(memoryLimitsCheck, { engine: fakeEngine({ list }) });
    assert.equal(r.status, "warn");
    assert.equal(r.figure, "1 of 2 without limit: web");
  });
});

describe("oom", () => {
  const now = new Date("2026-11-23T12:00:00Z");
  test("events and OOMKilled containers are reported", async () => {
    let asked: [Date, Date] | undefined;
    const engine = fakeEngine({
      list: [container("web"), container("db", { oomKilled: true })],
      oomEvents: async (since, until) => {
        asked = [since, until];
        return [
          { containerId: "a", name: "web", at: now },
          { containerId: "a", name: "web", at: now },
        ];
      },
    });
    const r = await runOne(oomCheck, { engine, now: () => now });
    assert.equal(r.status, "warn");
    assert.equal(r.figure, "2 in 24 h: web ×2, db (last exit)");
    assert.deepEqual(asked, [new Date("2026-11-22T12:00:00Z"), now]);
  });
  test("none", async () => {
    const r = await runOne(oomCheck, { now: () => now });
    assert.equal(r.status, "ok");
    assert.equal(r.figure, "none in the last 24 h");
  });
});

describe("core dumps", () => {
  test("destination of core_pattern", () => {
    assert.equal(coreDestination("|/bin/false"), undefined);
    assert.equal(coreDestination(""), undefined);
    assert.equal(coreDestination("core"), "files 'core' in the crashing process's cwd");
    assert.equal(coreDestination("/var/crash/core.%p"), "files /var/crash/core.%p");
    assert.match(coreDestination("|/lib/systemd/systemd-coredump %P")!, /systemd-coredump/);
  });
  const limits = (soft: string) =>
    `Limit                     Soft Limit           Hard Limit           Units\nMax core file size        ${soft}            unlimited            bytes\n`;
  test("warn for a running service whose core limit is above zero", async () => {
    const host = fakeHost({
      files: {
        "/proc/sys/kernel/core_pattern": "core\n",
        "/proc/100/limits": limits("unlimited"),
        "/proc/200/limits": limits("0"),
      },
    });
    const list = [container("crashy", { pid: 100 }), container("calm", { pid: 200 })];
    const r = await runOne(coreDumpsCheck, { host, engine: fakeEngine({ list }) });
    assert.equal(r.status, "warn");
    assert.equal(r.figure, "crashy may dump cores (core_pattern 'core')");
  });
  test("falls back to HostConfig.Ulimits when /proc is not readable", async () => {
    const host = fakeHost({ files: { "/proc/sys/kernel/core_pattern": "core\n" } });
    const list = [container("a", { coreUlimit: { soft: 0, hard: 0 } })];
    const r = await runOne(coreDumpsCheck, { host, engine: fakeEngine({ list }) });
    assert.equal(r.status, "ok");
  });
  test("ok when the kernel discards dumps", async () => {
    const host = fakeHost({ files: { "/proc/sys/kernel/core_pattern": "|/bin/false\n" } });
    const r = await runOne(coreDumpsCheck, {
      host,
      engine: fakeEngine({ list: [container("a")] }),
    });
    assert.equal(r.status, "ok");
    assert.match(r.figure, /^disabled/);
  });
});

describe("clock and NTP", () => {
  test("fail before the build date, ok after", async () => {
    const before = new Date(BUILD_DATE.getTime() - 86_400_000);
    assert.equal((await runOne(clockCheck, { now: () => before })).status, "fail");
    const after = new Date(BUILD_DATE.getTime() + 86_400_000);
    assert.equal((await runOne(clockCheck, { now: () => after })).status, "ok");
  });
  test("NTP: synced ok, not synced warn, unknown skip", async () => {
    const run = (ntp: NtpState) =>
      runOne(ntpCheck, { host: fakeHost({ ntp }) }).then((r) => r.status);
    assert.equal(await run({ synced: true, source: "timedatectl" }), "ok");
    assert.equal(await run({ synced: false, source: "timedatectl" }), "warn");
    assert.equal(await run({ synced: "unknown", source: "x" }), "skip");
  });
});

describe("fleet endpoint", () => {
  test("skip with a note when none is configured", async () => {
    const r = await runOne(endpointCheck, {});
    assert.equal(r.status, "skip");
    assert.match(r.action, /--endpoint/);
  });
  test("resolves and connects once", async () => {
    const host = fakeHost({ dns: { "api.example": ["10.1.2.3"] }, tcp: { "10.1.2.3:443": 12 } });
    const r = await runOne(endpointCheck, {
      host,
      options: options({ endpoint: "https://api.example" }),
    });
    assert.equal(r.status, "ok");
    assert.equal(r.figure, "api.example → 10.1.2.3, TCP 443 open in 12 ms");
    assert.deepEqual(host.connects, ["10.1.2.3:443"]);
  });
  test("DNS failure and unreachable port fail with what to do", async () => {
    const dns = await runOne(endpointCheck, {
      options: options({ endpoint: "https://nowhere.example" }),
    });
    assert.equal(dns.status, "fail");
    assert.match(dns.figure, /^DNS: nowhere\.example does not resolve/);
    const host = fakeHost();
    const tcp = await runOne(endpointCheck, {
      host,
      options: options({ endpoint: "http://127.0.0.1:9" }),
    });
    assert.equal(tcp.status, "fail");
    assert.equal(tcp.figure, "127.0.0.1, TCP 9 unreachable");
    assert.deepEqual(host.connects, ["127.0.0.1:9"], "exactly one attempt");
  });
  test("falls back to config.json apiEndpoint", async () => {
    const host = fakeHost({
      files: { "/boot/config.json": '{"apiEndpoint": "https://127.0.0.1:8443"}' },
      tcp: { "127.0.0.1:8443": 1 },
    });
    const r = await runOne(endpointCheck, { host });
    assert.equal(r.status, "ok");
    assert.match(r.detail, /config\.json apiEndpoint/);
  });
});

describe("boot config files", () => {
  test("absent files are skipped", async () => {
    assert.equal((await runOne(configJsonCheck, {})).status, "skip");
    assert.equal((await runOne(configTxtCheck, {})).status, "skip");
  });
  test("config.json errors fail with file:line:column", async () => {
    const host = fakeHost({ files: { "/boot/config.json": '{\n  "listenPort": "x"\n}' } });
    const r = await runOne(configJsonCheck, { host });
    assert.equal(r.status, "fail");
    assert.match(r.figure, /^1 error\(s\): \/boot\/config\.json:2:17: error: listenPort: /);
  });
  test("config.txt: unknown filter warns, missing include warns", async () => {
    const host = fakeHost({ files: { "/boot/config.txt": "[pi9]\ninclude extra.txt\n" } });
    const r = await runOne(configTxtCheck, { host });
    assert.equal(r.status, "warn");
    assert.match(
      r.detail,
      /\/boot\/config\.txt:2:1: warning: include: included file extra\.txt does not exist/,
    );
  });
});
