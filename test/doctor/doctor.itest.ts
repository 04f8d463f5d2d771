// `edgevisor doctor` on the real private engine and real filesystems: a service that writes
// into its container filesystem, a full small filesystem, an OOM kill, the JSON shape and
// the proof that a run writes nothing to storage. Only objects created here are touched.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import type { EngineClient, Container } from "../../src/engine/api/index.ts";
import { runDoctor } from "../../src/doctor/doctor.ts";
import { linuxHost } from "../../src/doctor/host.ts";
import { resolveDoctorOptions } from "../../src/doctor/options.ts";
import type { DoctorReport } from "../../src/doctor/report.ts";
import { dockerDiagnostics } from "../../src/engine/docker-diagnostics.ts";
import { engineHost, engineSocketPath, testDocker, uniqueName } from "../support/engine.ts";
import { buildTestImage } from "../support/images.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const MANAGED = { "io.edgevisor.managed": "true" };

let docker: EngineClient;
let tag: string;
const created: Container[] = [];
let writerName: string;
let oomName: string;
let scratch: string;
let fullMount: string;
let fsKind: "ext4 on a loop device" | "tmpfs";
let server: Server;
let port: number;

function sh(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: "pipe" });
}

/** A small filesystem filled to the brim: ext4 on a loop device, tmpfs when loops fail. */
function makeFullFilesystem(dir: string): typeof fsKind {
  const image = join(dir, "small.img");
  try {
    sh("truncate", ["-s", "8M", image]);
    sh("mkfs.ext4", ["-q", "-F", "-m", "0", image]);
    sh("mount", ["-o", "loop", image, fullMount]);
    fsKind = "ext4 on a loop device";
  } catch {
    sh("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", fullMount]);
    fsKind = "tmpfs";
  }
  try {
    sh("dd", ["if=/dev/zero", `of=${join(fullMount, "fill")}`, "bs=64k"]);
  } catch {
    // dd ends with ENOSPC: that is the point.
  }
  return fsKind;
}

async function waitFor<T>(what: string, f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function engine() {
  return dockerDiagnostics(testDocker(), { local: true, address: engineHost() });
}

async function doctor(): Promise<DoctorReport> {
  return runDoctor({
    options: {
      ...resolveDoctorOptions({ dataPath: [fullMount], sample: "0.5" }, {}, () => false),
    },
    engine: engine(),
    host: linuxHost(),
    hostname: hostname(),
  });
}

const check = (r: DoctorReport, id: string) => r.checks.find((c) => c.id === id)!;

function runCli(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { cwd: root, env: { ...process.env, DOCKER_HOST: engineHost() }, encoding: "utf8" },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code) : 0, stdout, stderr }),
    );
  });
}

before(async () => {
  engineSocketPath();
  docker = testDocker();
  tag = `${uniqueName("ev-doctor")}:1`;
  await buildTestImage(docker, { tag });

  writerName = uniqueName("ev-doctor-writer");
  const writer = await docker.createContainer({
    name: writerName,
    Image: tag,
    Labels: MANAGED,
    Cmd: [
      "sh",
      "-c",
      "dd if=/dev/zero of=/data/blob bs=1M count=20 2>/dev/null; trap 'exit 0' TERM; while true; do sleep 1; done",
    ],
    HostConfig: { Ulimits: [{ Name: "core", Soft: 1 << 30, Hard: 1 << 30 }] },
  });
  created.push(writer);
  await writer.start();

  oomName = uniqueName("ev-doctor-oom");
  const hog = await docker.createContainer({
    name: oomName,
    Image: tag,
    Labels: MANAGED,
    // A 64 MiB shell variable under a 16 MiB limit: the kernel's OOM killer ends it.
    Cmd: ["sh", "-c", "x=$(head -c 67108864 /dev/zero | tr '\\000' a); echo ${#x}"],
    HostConfig: { Memory: 16 * 1024 * 1024, MemorySwap: 16 * 1024 * 1024 },
  });
  created.push(hog);
  await hog.start();
  await hog.wait();

  scratch = mkdtempSync(join(tmpdir(), "ev-doctor-"));
  fullMount = join(scratch, "mnt");
  execFileSync("mkdir", [fullMount]);
  makeFullFilesystem(scratch);

  server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;

  const diag = engine();
  await waitFor("the writer's 20 MiB", async () => {
    const c = (await diag.containers()).find((x) => x.name === writerName);
    return c && c.sizeRwBytes >= 20 * 1024 * 1024 ? c : undefined;
  });
});

after(async () => {
  server?.close();
  for (const c of created) await c.remove({ force: true }).catch(() => {});
  if (tag)
    await docker
      .getImage(tag)
      .remove()
      .catch(() => {});
  if (fullMount) {
    try {
      sh("umount", [fullMount]);
    } catch {
      // not mounted
    }
  }
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("edgevisor doctor on the real engine", () => {
  test("a service writing into its container filesystem is reported by name and size", async () => {
    const r = await doctor();
    const layers = check(r, "writable-layers");
    assert.equal(layers.status, "warn", layers.detail);
    assert.match(layers.figure, new RegExp(`${writerName} 20\\.0 MiB`));
    assert.match(layers.action, /named volume/);
    const limits = check(r, "memory-limits");
    assert.equal(limits.status, "warn");
    assert.match(limits.detail, new RegExp(writerName));
    const pattern = execFileSync("cat", ["/proc/sys/kernel/core_pattern"], { encoding: "utf8" });
    // The writer's core limit is 1 GiB: it may dump unless the kernel discards dumps.
    if (!/^\|\s*\/(usr\/)?bin\/false|^\s*$/.test(pattern)) {
      const core = check(r, "core-dumps");
      assert.equal(core.status, "warn");
      assert.match(core.figure, new RegExp(writerName));
    }
  });

  test("a full small filesystem is reported as fail", async (t) => {
    t.diagnostic(`full filesystem: ${fsKind}`);
    const r = await doctor();
    const space = check(r, "data-space");
    assert.equal(space.status, "fail", `${fsKind}: ${space.detail}`);
    assert.match(space.figure, new RegExp(`^${fullMount} \\d+(\\.\\d)? (B|KiB) free of`));
    assert.match(space.action, /Free space now/);
    assert.equal(r.exitCode, 2);
  });

  test("an OOM kill of the last 24 h is reported, from the engine's events", async () => {
    const inspect = await created[1]!.inspect();
    assert.equal(inspect.State.OOMKilled, true, "the hog container was OOM-killed");
    const now = new Date();
    const events = await engine().oomEvents(new Date(now.getTime() - 3_600_000), now);
    assert.ok(
      events.some((e) => e.name === oomName),
      `oom event of ${oomName} in ${JSON.stringify(events)}`,
    );
    const oom = check(await doctor(), "oom");
    assert.equal(oom.status, "warn");
    assert.match(oom.detail, new RegExp(`${oomName} ×\\d`));
  });

  test("--json: report shape, every check, exit code of the worst status", async () => {
    const res = await runCli("src/cli/main.ts", [
      "doctor",
      "--json",
      "--data-path",
      fullMount,
      "--sample",
      "0.5",
      "--endpoint",
      `http://127.0.0.1:${port}`,
    ]);
    assert.equal(res.code, 2, res.stderr);
    const report = JSON.parse(res.stdout) as DoctorReport;
    assert.deepEqual(Object.keys(report).sort(), [
      "checks",
      "counts",
      "exitCode",
      "generatedAt",
      "hostname",
      "schemaVersion",
      "worst",
    ]);
    assert.equal(report.worst, "fail");
    assert.deepEqual(
      report.checks.map((c) => c.id),
      [
        "engine",
        "data-root-space",
        "data-space",
        "writable-layers",
        "write-rate",
        "memory",
        "memory-limits",
        "oom",
        "core-dumps",
        "clock",
        "ntp",
        "endpoint",
        "config-json",
        "config-txt",
      ],
    );
    for (const c of report.checks) {
      assert.match(c.status, /^(ok|warn|fail|skip)$/);
      for (const k of ["title", "figure", "detail", "action"] as const)
        assert.equal(typeof c[k], "string", `${c.id}.${k}`);
    }
    assert.equal(report.checks.find((c) => c.id === "engine")!.status, "ok");
    const endpoint = report.checks.find((c) => c.id === "endpoint")!;
    assert.equal(endpoint.status, "ok", endpoint.detail);
    assert.match(endpoint.figure, new RegExp(`^127\\.0\\.0\\.1, TCP ${port} open in`));
  });

  test("text output: one line per check plus actions, no colour off a TTY", async () => {
    const res = await runCli("src/cli/main.ts", [
      "doctor",
      "--data-path",
      fullMount,
      "--sample",
      "0.2",
    ]);
    assert.equal(res.code, 2);
    assert.ok(!res.stdout.includes("\x1b["), "no escape codes when stdout is a pipe");
    assert.match(res.stdout, /^FAIL {2}Data partitions {2}\//m);
    assert.ok(res.stdout.split("\n").length <= 40, "fits one screen");
  });

  test("a run writes nothing to storage (write_bytes of the doctor process is 0)", async () => {
    // Warm-up: the first read of a just-edited source file updates its atime (a metadata
    // write charged to the reader); the measured run must only see what doctor does itself.
    await runCli("test/doctor/fixtures/io-probe.ts", ["--json", "--sample", "0.1"]);
    // Config files written just now: reading them must not update their atime either
    // (the host probe opens files with O_NOATIME).
    const boot = join(scratch, "boot");
    execFileSync("mkdir", ["-p", boot]);
    writeFileSync(join(boot, "config.json"), `{"apiEndpoint": "http://127.0.0.1:${port}"}\n`);
    writeFileSync(join(boot, "config.txt"), "[pi4]\ndtoverlay=vc4-kms-v3d\n");
    const res = await runCli("test/doctor/fixtures/io-probe.ts", [
      "--json",
      "--data-path",
      fullMount,
      "--sample",
      "0.5",
      "--config-json",
      join(boot, "config.json"),
      "--config-txt",
      join(boot, "config.txt"),
    ]);
    const line = res.stderr.split("\n").find((l) => l.startsWith("IO-COUNTERS "));
    assert.ok(line, res.stderr);
    const io = JSON.parse(line.slice("IO-COUNTERS ".length)) as string;
    const counter = (k: string) => Number(new RegExp(`^${k}: (\\d+)$`, "m").exec(io)?.[1]);
    assert.equal(counter("write_bytes"), 0, io);
    assert.equal(counter("cancelled_write_bytes"), 0, io);
    assert.ok(counter("rchar") > 0, "the counters are live");
    const report = JSON.parse(res.stdout) as DoctorReport;
    const byId = (id: string) => report.checks.find((c) => c.id === id)!;
    assert.equal(byId("config-json").status, "ok");
    assert.equal(byId("config-txt").status, "ok");
    assert.equal(byId("endpoint").status, "ok", "apiEndpoint from config.json was reached");
  });
});
