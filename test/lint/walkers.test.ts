// The shell and Python/JavaScript walkers on their own: which commands and calls they see,
// with which loop and error-path context, at which position.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { codeFacts } from "../../src/lint/code.ts";
import { dockerfileModel } from "../../src/lint/dockerfile.ts";
import { parseImageRef, pinVerdict } from "../../src/lint/images.ts";
import type { CommandFact, Context } from "../../src/lint/model.ts";
import { loadParsers } from "../../src/lint/parsers.ts";
import { shellCommands } from "../../src/lint/shell.ts";
import { sourceFile } from "../../src/lint/source.ts";

const parsers = await loadParsers();

function sh(text: string, env: Record<string, string> = {}): CommandFact[] {
  return shellCommands(parsers, {
    file: sourceFile("x.sh", text),
    text,
    baseOffset: 0,
    phase: "runtime",
    env: new Map(Object.entries(env)),
  });
}

function ctx(c: Context): string {
  const loops = c.loops
    .map(
      (l) => `${l.kind}${l.infinite ? "∞" : ""}${l.sleeps ? `~${l.minSleepSeconds ?? "?"}` : ""}`,
    )
    .join(">");
  return [loops, c.onErrorPath ? "err" : ""].filter(Boolean).join(" ");
}

describe("shell walker", () => {
  it("sees commands with loops, sleeps, error paths and positions", () => {
    const facts = sh(
      [
        "while true; do",
        "  a || b",
        "  sleep 0.5",
        "done",
        "if ! c; then d; else e; fi",
        "f && g",
      ].join("\n"),
    );
    assert.deepEqual(
      facts.map((f) =>
        [`${f.name}@${f.loc.line}:${f.loc.column}`, ctx(f)].filter(Boolean).join(" "),
      ),
      [
        "true@1:7 while∞~0.5",
        "a@2:3 while∞~0.5",
        "b@2:8 while∞~0.5 err",
        "sleep@3:3 while∞~0.5",
        "c@5:6",
        "d@5:14 err",
        "e@5:22 err",
        "f@6:1",
        "g@6:6",
      ],
    );
  });

  it("follows functions to their call sites and unwraps sudo/exec/env", () => {
    const facts = sh(
      ["boom() { sudo reboot; }", "until false; do exec env A=1 boom; done"].join("\n"),
    );
    const reboot = facts.find((f) => f.name === "reboot");
    assert.ok(reboot);
    assert.equal(ctx(reboot), "until∞");
    assert.deepEqual([reboot.loc.line, reboot.loc.column], [1, 15]);
  });

  it("expands known variables and records write redirections", () => {
    const [echo] = sh('LOG="$DIR/app.log"\necho hi >> "$LOG" 2>&1', { DIR: "/var/log" });
    assert.equal(echo?.name, "echo");
    assert.deepEqual(
      echo?.redirects.map((r) => `${r.op}${r.target.value}`),
      [">>/var/log/app.log"],
    );
  });

  it("parses sh -c strings and trap handlers as shell, at their own position", () => {
    const facts = sh("sh -c 'date -s 2020'\ntrap 'reboot' ERR");
    const date = facts.find((f) => f.name === "date");
    assert.deepEqual([date?.loc.line, date?.loc.column], [1, 8]);
    const reboot = facts.find((f) => f.name === "reboot");
    assert.equal(reboot?.onErrorPath, true);
  });

  it("binds a redirection after a list to its last command, and follows cd", () => {
    const facts = sh('cd /opt/app && echo 1 > counter\ncd "$(dirname "$0")"\necho 2 > here');
    assert.deepEqual(
      facts.map(
        (f) => `${f.name} cwd=${f.cwd} ${f.redirects.map((r) => r.target.value).join(",")}`,
      ),
      [
        "cd cwd=undefined ",
        "echo cwd=/opt/app counter",
        "dirname cwd=/opt/app ",
        "cd cwd=/opt/app ",
        "echo cwd=null here",
      ],
    );
  });

  it("knows bounded and unbounded C-style for loops", () => {
    const [a, b] = sh("for ((;;)); do a; done\nfor ((i=0; i<3; i++)); do b; done");
    assert.equal(ctx(a!), "for∞");
    assert.equal(ctx(b!), "for");
  });

  it("links pipelines", () => {
    const [app] = sh("app 2>&1 | tee -a /data/x.log");
    assert.equal(app?.pipedTo?.name, "tee");
  });
});

describe("python and javascript walkers", () => {
  it("resolves constants and env reads, and knows except blocks and sleeps", () => {
    const py = [
      "import os, time, requests",
      'URL = os.environ["BALENA_SUPERVISOR_ADDRESS"] + "/v1/reboot"',
      "while True:",
      "    try:",
      "        check()",
      "    except Exception:",
      "        requests.post(URL)",
      "    time.sleep(5)",
    ].join("\n");
    const m = codeFacts(parsers, sourceFile("w.py", py), "python", new Map());
    const post = m.calls.find((c) => c.callee === "requests.post");
    assert.equal(post?.args[0]?.value, "$BALENA_SUPERVISOR_ADDRESS/v1/reboot");
    assert.equal(ctx(post!), "while∞~5 err");
    assert.deepEqual([post?.loc.line, post?.loc.column], [7, 9]);
  });

  it("treats setInterval as a loop and parses child_process strings as shell", () => {
    const js = [
      'const { execSync } = require("child_process");',
      "setInterval(() => {",
      '  try { x(); } catch (e) { execSync("reboot"); }',
      "}, 200);",
    ].join("\n");
    const m = codeFacts(parsers, sourceFile("w.js", js), "javascript", new Map());
    const reboot = m.commands.find((c) => c.name === "reboot");
    assert.ok(reboot);
    assert.equal(ctx(reboot), "interval∞~0.2 err");
    assert.deepEqual([reboot.loc.line, reboot.loc.column], [3, 38]);
  });
});

describe("dockerfile model", () => {
  it("expands ARGs in FROM, knows stages, WORKDIR, ENV and the final CMD", () => {
    const text = [
      "ARG BASE=debian:bookworm-20250428",
      "FROM ${BASE} AS build",
      "RUN make > /tmp/build.log",
      "FROM build",
      "WORKDIR /usr/src/app",
      "ENV DATA_DIR=/data",
      'CMD ["sh", "-c", "exec app >> app.log"]',
    ].join("\n");
    const df = dockerfileModel(parsers, sourceFile("Dockerfile", text));
    assert.deepEqual(
      df.froms.map((f) => `${f.ref} internal=${f.internal}`),
      ["debian:bookworm-20250428 internal=false", "build internal=true"],
    );
    assert.equal(df.workdir, "/usr/src/app");
    assert.equal(df.env.get("DATA_DIR")?.value, "/data");
    assert.deepEqual(
      df.build.map((c) => `${c.name} ${c.phase}`),
      ["make build"],
    );
    assert.deepEqual(
      df.runtime.map(
        (c) => `${c.name}@${c.loc.line}:${c.loc.column} >>${c.redirects[0]?.target.value}`,
      ),
      ["app@7:24 >>app.log"],
    );
  });
});

describe("image pinning", () => {
  const pinned = (ref: string) => pinVerdict(parseImageRef(ref)).pinned;
  it("accepts digests, dates and full versions", () => {
    for (const ref of [
      "debian:latest@sha256:0b9c2a5bc9a8b2fa9c3d1fb64e6f3c6d1c1f8d58f8a2b1e3f0e3a6d4c5b7a9e1",
      "debian:bookworm-20250428",
      "balenalib/raspberrypi3-debian-node:8-run-20200115",
      "node:20.11.1-alpine",
      "registry.example.com:5000/acme/agent:v2.4.1",
      "ghcr.io/acme/base/v2.3.1",
    ]) {
      assert.equal(pinned(ref), true, ref);
    }
  });
  it("rejects no tag, latest, codenames and partial versions", () => {
    for (const ref of [
      "python",
      "registry.example.com:5000/acme/agent",
      "nginx:latest",
      "debian:bookworm",
      "node:20",
      "alpine:3.19",
      "balenalib/raspberrypi3-debian-node:8-run",
    ]) {
      assert.equal(pinned(ref), false, ref);
    }
  });
});
