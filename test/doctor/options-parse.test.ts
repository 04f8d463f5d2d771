import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EvError } from "../../src/errors.ts";
import { resolveDoctorOptions } from "../../src/doctor/options.ts";
import {
  mountOf,
  parseCoreLimit,
  parseDiskstats,
  parseMeminfo,
  parseMountinfo,
} from "../../src/doctor/proc-parse.ts";

describe("options", () => {
  const none = () => false;
  test("defaults", () => {
    const o = resolveDoctorOptions({}, {}, none);
    assert.equal(o.sampleMs, 3000);
    assert.equal(o.checkTimeoutMs, 10_000);
    assert.deepEqual(o.dataPaths, []);
    assert.equal(o.configJsonPath, "/mnt/boot/config.json");
    assert.equal(o.endpoint, undefined);
  });
  test("/mnt/data and the state dir are included when they exist", () => {
    const exists = (p: string) => p === "/mnt/data" || p === "/var/lib/edgevisor";
    const o = resolveDoctorOptions({}, {}, exists, "/var/lib/edgevisor");
    assert.deepEqual(o.dataPaths, ["/mnt/data", "/var/lib/edgevisor"]);
  });
  test("a state dir that does not exist is left out", () => {
    assert.deepEqual(resolveDoctorOptions({}, {}, none, "/var/lib/edgevisor").dataPaths, []);
  });
  test("flags win over the environment", () => {
    const env = { EDGEVISOR_ENDPOINT: "https://env.example", EDGEVISOR_DOCTOR_SAMPLE: "5" };
    const o = resolveDoctorOptions(
      { endpoint: "https://flag.example", dataPath: ["/a", "/b"] },
      env,
      none,
    );
    assert.equal(o.endpoint, "https://flag.example");
    assert.equal(o.sampleMs, 5000);
    assert.deepEqual(o.dataPaths, ["/a", "/b"]);
  });
  test("a bad number is a usage error", () => {
    assert.throws(
      () => resolveDoctorOptions({ sample: "soon" }, {}, none),
      (e) => e instanceof EvError && e.code === "EV_USAGE",
    );
  });
});

describe("proc parsers", () => {
  test("meminfo in bytes", () => {
    const m = parseMeminfo(
      "MemTotal:        2048 kB\nMemAvailable:     1024 kB\nHugePages_Total:       0\n",
    );
    assert.equal(m.get("MemTotal"), 2048 * 1024);
    assert.equal(m.get("MemAvailable"), 1024 * 1024);
    assert.equal(m.get("HugePages_Total"), 0);
  });
  test("mountinfo and the mount holding a path", () => {
    const mounts = parseMountinfo(
      [
        "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw",
        "42 27 179:3 / /mnt/data rw,relatime shared:1 - ext4 /dev/mmcblk0p3 rw",
        "43 27 0:40 / /mnt/my\\040disk rw - tmpfs tmpfs rw",
      ].join("\n"),
    );
    assert.equal(mountOf(mounts, "/mnt/data/docker")!.source, "/dev/mmcblk0p3");
    assert.equal(mountOf(mounts, "/mnt/database")!.source, "/dev/vda");
    assert.equal(mountOf(mounts, "/mnt/my disk/x")!.fsType, "tmpfs");
  });
  test("diskstats sectors written", () => {
    const d = parseDiskstats(" 179       3 mmcblk0p3 100 0 200 0 50 0 4096 0 0 0 0\n");
    assert.deepEqual(d, [{ major: 179, minor: 3, name: "mmcblk0p3", sectorsWritten: 4096 }]);
  });
  test("core limit from /proc/<pid>/limits", () => {
    const limits = (v: string) =>
      `Max cpu time              unlimited            unlimited            seconds\nMax core file size        ${v}                    unlimited            bytes\n`;
    assert.equal(parseCoreLimit(limits("0")), 0);
    assert.equal(parseCoreLimit(limits("unlimited")), Infinity);
    assert.equal(parseCoreLimit("nothing"), undefined);
  });
});
