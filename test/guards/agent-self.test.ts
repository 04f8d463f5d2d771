import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import {
  AGENT_MAX_OLD_SPACE_MB,
  AGENT_GLIBC_TUNABLES,
  heapFlags,
  mallocEnv,
  mallocReturnsLargeBlocks,
  protectAgentFromOom,
} from "../../src/guards/agent-self.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("agent self-protection", () => {
  test("oom_score_adj is written as -500", async () => {
    const written: string[] = [];
    const log: string[] = [];
    const r = await protectAgentFromOom({
      writeOomScoreAdj: async (v) => void written.push(v),
      log: (l) => log.push(l),
    });
    assert.deepEqual(r, { set: true, value: -500 });
    assert.deepEqual(written, ["-500"]);
    assert.deepEqual(log, []);
  });

  test("not permitted: a clear log line, the agent carries on", async () => {
    const log: string[] = [];
    const r = await protectAgentFromOom({
      writeOomScoreAdj: async () => {
        throw Object.assign(new Error("EACCES"), { code: "EACCES" });
      },
      log: (l) => log.push(l),
    });
    assert.equal(r.set, false);
    assert.deepEqual(log, [
      "agent: oom_score_adj -500 not set: not permitted (lowering the score needs root or CAP_SYS_RESOURCE); under memory pressure the kernel may kill the agent before a leaking service",
    ]);
  });

  test("on this machine: lowered when permitted, else reported and unchanged", async () => {
    // A child process, so this test runner keeps its own score.
    const r = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import { protectAgentFromOom } from ${JSON.stringify(`${root}src/guards/agent-self.ts`)};
         const r = await protectAgentFromOom();
         const { readFileSync } = await import("node:fs");
         console.log(JSON.stringify({ r, now: readFileSync("/proc/self/oom_score_adj", "utf8").trim() }));`,
      ],
      { encoding: "utf8" },
    );
    const out = JSON.parse(r.stdout) as { r: { set: boolean; reason?: string }; now: string };
    // Lowering needs CAP_SYS_RESOURCE (bit 24), which a container's root may lack.
    const capEff = /CapEff:\s*([0-9a-f]+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]!;
    if ((BigInt(`0x${capEff}`) >> 24n) & 1n)
      assert.deepEqual(out, { r: { set: true, value: -500 }, now: "-500" });
    else {
      assert.equal(out.r.set, false);
      assert.match(out.r.reason!, /not permitted/);
      assert.notEqual(out.now, "-500");
    }
  });

  test("heap flags are added unless the caller chose them", () => {
    assert.deepEqual(heapFlags([], {}), ["--max-old-space-size=96", "--max-semi-space-size=1"]);
    assert.deepEqual(heapFlags(["--max-old-space-size=200"], {}), ["--max-semi-space-size=1"]);
    assert.deepEqual(
      heapFlags([], { NODE_OPTIONS: "--max_old_space_size=300 --max-semi-space-size=2" }),
      [],
    );
  });

  test("glibc's malloc settings are added unless the caller chose some", () => {
    assert.deepEqual(mallocEnv({}), { GLIBC_TUNABLES: AGENT_GLIBC_TUNABLES });
    assert.deepEqual(mallocEnv({ GLIBC_TUNABLES: "glibc.malloc.arena_max=1" }), {});
    assert.deepEqual(mallocEnv({ GLIBC_TUNABLES: "" }), {}, "an empty value is a choice too");
  });

  test("a fixed mmap threshold is recognised, from the launcher's settings or the caller's", () => {
    assert.equal(mallocReturnsLargeBlocks({ GLIBC_TUNABLES: AGENT_GLIBC_TUNABLES }), true);
    assert.equal(mallocReturnsLargeBlocks({ MALLOC_MMAP_THRESHOLD_: "262144" }), true);
    assert.equal(mallocReturnsLargeBlocks({ GLIBC_TUNABLES: "glibc.malloc.arena_max=1" }), false);
    assert.equal(mallocReturnsLargeBlocks({}), false);
  });

  test("the launcher runs the CLI with the malloc settings, or with the caller's", () => {
    const probe = `data:text/javascript,process.on("exit", () => process.stderr.write("TUNABLES " + process.env.GLIBC_TUNABLES + "\\n"))`;
    const run = (tunables?: string) => {
      const env = { ...process.env };
      delete env.GLIBC_TUNABLES;
      if (tunables !== undefined) env.GLIBC_TUNABLES = tunables;
      const r = spawnSync(
        process.execPath,
        ["--import", probe, `${root}bin/edgevisor.js`, "--version"],
        { encoding: "utf8", env },
      );
      assert.equal(r.status, 0, r.stderr);
      return r.stderr.split("\n").filter((l) => l.startsWith("TUNABLES "));
    };
    assert.deepEqual(run(), [`TUNABLES ${AGENT_GLIBC_TUNABLES}`]);
    assert.deepEqual(run("glibc.malloc.arena_max=1"), ["TUNABLES glibc.malloc.arena_max=1"]);
  });

  test("the launcher keeps the environment across its re-exec", () => {
    const probe = `data:text/javascript,process.on("exit", () => process.stderr.write("ENV " + process.env.EV_LAUNCH_PROBE + "\\n"))`;
    const r = spawnSync(
      process.execPath,
      ["--import", probe, `${root}bin/edgevisor.js`, "--version"],
      { encoding: "utf8", env: { ...process.env, EV_LAUNCH_PROBE: "kept" } },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      r.stderr.split("\n").filter((l) => l.startsWith("ENV ")),
      ["ENV kept"],
    );
  });

  test("the launcher runs the CLI with the capped heap", () => {
    // --import runs in the final process too (execve keeps execArgv), and prints its limit.
    const probe = `data:text/javascript,import v8 from "node:v8"; process.on("exit", () => process.stderr.write("HEAP " + v8.getHeapStatistics().heap_size_limit + "\\n"))`;
    const r = spawnSync(
      process.execPath,
      ["--import", probe, `${root}bin/edgevisor.js`, "--version"],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "0.1.0");
    const heaps = r.stderr.split("\n").filter((l) => l.startsWith("HEAP "));
    assert.equal(heaps.length, 1, r.stderr);
    const mb = Number(heaps[0]!.slice(5)) / 1048576;
    assert.ok(
      mb >= AGENT_MAX_OLD_SPACE_MB && mb <= AGENT_MAX_OLD_SPACE_MB + 40,
      `heap limit ${mb} MiB`,
    );
  });
});
