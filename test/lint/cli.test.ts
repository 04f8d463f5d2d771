// `edgevisor lint` end to end: spawn the CLI on fixtures and check output and exit codes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { RULES } from "../../src/lint/index.ts";
import { fixture } from "./support.ts";

const ESC = "\u001b[";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function lint(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, "lint", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("edgevisor lint (CLI)", () => {
  it("reports a bad release in text and exits 1 on errors", () => {
    const r = lint([fixture("release-bad")]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stdout,
      /^test\/lint\/fixtures\/release-bad\/sensor\/start\.sh:5:1 {2}error {2}.*\[host-network-firewall\]$/m,
    );
    assert.match(r.stdout, /\n\s+\|\s+\^+/);
    assert.ok(!r.stdout.includes(ESC));
  });

  it("--fail-on decides the exit code", () => {
    const warningsOnly = fixture("rules", "missing-mem-limit", "fire");
    const status = (args: string[]) => {
      const r = lint(args);
      return r.stderr ? `${r.status} ${r.stderr}` : r.status;
    };
    assert.equal(status([warningsOnly]), 0);
    assert.equal(status([warningsOnly, "--fail-on", "warning"]), 1);
    assert.equal(status([warningsOnly, "--fail-on", "info"]), 1);
    assert.equal(status([fixture("release-bad"), "--fail-on", "none"]), 0);
    assert.equal(status([fixture("traps"), "--fail-on", "info"]), 0);
  });

  it("--format json and sarif print parseable reports", () => {
    const json = lint([fixture("release-bad"), "--format", "json", "--fail-on", "none"]);
    assert.equal(json.status, 0, json.stderr);
    const report = JSON.parse(json.stdout);
    assert.ok(report.findings.length > 10);
    assert.match(report.findings[0].file, /^test\/lint\/fixtures\/release-bad\//);
    const sarif = lint([fixture("release-bad"), "--format", "sarif"]);
    assert.equal(sarif.status, 1);
    assert.equal(JSON.parse(sarif.stdout).version, "2.1.0");
  });

  it("FORCE_COLOR turns colours on for a pipe, --no-color turns them off again", () => {
    const coloured = lint([fixture("release-bad"), "--fail-on", "none"], {
      NO_COLOR: undefined,
      FORCE_COLOR: "1",
    });
    assert.ok(coloured.stdout.includes(ESC));
    const plain = lint([fixture("release-bad"), "--fail-on", "none", "--no-color"], {
      NO_COLOR: undefined,
      FORCE_COLOR: "1",
    });
    assert.ok(!plain.stdout.includes(ESC));
  });

  it("--list-rules prints every rule with its default severity", () => {
    const r = lint(["--list-rules"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^device-reboot +warning +Container reboots or shuts down the device$/m);
    assert.equal(r.stdout.trim().split("\n").length, RULES.length);
  });

  it("usage and missing-release errors use the error table", () => {
    const bad = lint([fixture("traps"), "--format", "xml"]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^EV_USAGE: unknown --format "xml"/);
    const missing = lint([fixture("no-such-release")]);
    assert.equal(missing.status, 3);
    assert.match(missing.stderr, /^EV_RELEASE_NOT_FOUND: /);
  });
});
