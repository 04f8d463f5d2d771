// The whole screen for literal devices: every check on fakes, the text a person reads.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runDoctor } from "../../src/doctor/doctor.ts";
import { renderText } from "../../src/doctor/render.ts";
import { GiB, MiB, container, fakeEngine, fakeHost, options, space } from "./fakes.ts";

const now = new Date("2027-03-01T08:00:00Z");
const files = {
  "/var/lib/docker": "",
  "/proc/self/mountinfo": "42 27 179:3 / /var/lib/docker rw - ext4 /dev/mmcblk0p3 rw\n",
  "/proc/diskstats": " 179       3 mmcblk0p3 1 0 1 0 1 0 1000 0 0 0 0\n",
  "/proc/meminfo": "MemTotal:  1000000 kB\nMemAvailable:  600000 kB\n",
  "/proc/sys/kernel/core_pattern": "|/bin/false\n",
  "/boot/config.json":
    '{"uuid": "0123456789abcdef0123456789abcdef", "apiEndpoint": "https://127.0.0.1:8443"}\n',
  "/boot/config.txt": "[pi4]\narm_64bit=1\n",
};

async function screen(spec: Parameters<typeof fakeHost>[0], list = [container("web")]) {
  const report = await runDoctor({
    options: options({ dataPaths: ["/mnt/data"] }),
    engine: fakeEngine({ list }),
    host: fakeHost(spec),
    hostname: "gate-7",
    now: () => now,
  });
  return { report, text: renderText(report, { color: false, width: 100 }) };
}

test("a healthy device: every check ok or skipped, exit 0", async () => {
  const { report, text } = await screen({
    files,
    space: { "/var/lib/docker": space(28 * GiB, 20 * GiB), "/mnt/data": space(28 * GiB, 20 * GiB) },
    ntp: { synced: true, source: "timedatectl" },
    tcp: { "127.0.0.1:8443": 4 },
  });
  assert.equal(
    text,
    `edgevisor doctor — gate-7, 2027-03-01T08:00:00.000Z

OK    Engine           27.5.1, overlay2 on extfs, ping 0 ms
OK    Data root space  /var/lib/docker 20.0 GiB free of 28.0 GiB (71%)
OK    Data partitions  /mnt/data 20.0 GiB free of 28.0 GiB (71%)
OK    Writable layers  largest: web 0 B (1 service)
OK    Write rate       mmcblk0p3 0 B/s over 1.0 s (≈ 0 B/day)
OK    Memory headroom  586 MiB available of 977 MiB (60%)
OK    Memory limits    all 1 running edgevisor services limited
OK    OOM kills        none in the last 24 h
OK    Core dumps       disabled (core_pattern '|/bin/false')
OK    Clock            2027-03-01T08:00:00Z (build 2026-11-23)
OK    NTP sync         synchronised
OK    Fleet endpoint   127.0.0.1, TCP 8443 open in 4 ms
OK    config.json      /boot/config.json valid
OK    config.txt       /boot/config.txt valid

14 ok, 0 warn, 0 fail, 0 skipped — exit 0
`,
  );
  assert.equal(report.exitCode, 0);
});

test("a device in trouble: what fails and what to do, exit 2", async () => {
  const { report, text } = await screen(
    {
      files: { ...files, "/boot/config.json": '{"listenPort": "x",}' },
      space: { "/var/lib/docker": space(28 * GiB, 20 * GiB), "/mnt/data": space(4 * GiB, 0) },
    },
    [container("logger", { sizeRwBytes: 700 * MiB, memoryLimitBytes: 0 })],
  );
  assert.equal(report.exitCode, 2);
  const lines = text.split("\n");
  const at = (prefix: string) => lines.findIndex((l) => l.startsWith(prefix));
  assert.equal(
    lines[at("FAIL  Data partitions")],
    "FAIL  Data partitions  /mnt/data 0 B free of 4.0 GiB (0%)",
  );
  assert.equal(lines[at("WARN  Writable layers")], "WARN  Writable layers  logger 700 MiB");
  assert.match(lines[at("WARN  Writable layers") + 1]!, /^ {23}→ Write data to a named volume/);
  assert.equal(
    lines[at("WARN  Memory limits")],
    "WARN  Memory limits    1 of 1 without limit: logger",
  );
  assert.equal(
    lines[at("FAIL  config.json")],
    "FAIL  config.json      1 error(s): /boot/config.json:1:20: error: trailing comma before '}'",
  );
  assert.equal(lines[at("SKIP  NTP sync")], "SKIP  NTP sync         unknown");
  // An invalid config.json gives no endpoint to try.
  assert.equal(lines[at("SKIP  Fleet endpoint")], "SKIP  Fleet endpoint   none configured");
});
