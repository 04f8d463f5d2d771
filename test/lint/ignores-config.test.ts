// Inline `# edgevisor-ignore` directives and .edgevisor-lint.yml: severities, off, ignores.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { EvError } from "../../src/errors.ts";
import { lintRelease } from "../../src/lint/index.ts";
import { fixture, where } from "./support.ts";

describe("lint inline ignores", () => {
  it("honours the directive on the line, alone on the line above, lists and `all`", async () => {
    const { findings } = await lintRelease(fixture("ignores"));
    assert.deepEqual(
      findings.map((f) => `${f.ruleId} ${where(f)}`),
      [
        // line 6 ignores clock-change for line 7 only
        "clock-change start.sh:8:1",
        // a directive for another rule does not hide this one
        "container-connectivity start.sh:9:1",
      ],
    );
  });
});

describe("lint config file", () => {
  it("changes severities, turns rules off and ignores paths", async () => {
    const { findings, config } = await lintRelease(fixture("config"));
    assert.match(config.source ?? "", /\.edgevisor-lint\.yml$/);
    assert.deepEqual(
      findings.map((f) => `${f.ruleId} ${f.severity} ${where(f)}`),
      ["missing-mem-limit error docker-compose.yml:3:3", "core-dumps info tools/debug.sh:2:1"],
    );
  });

  it("rejects unknown rule ids and bad severities with EV_CONFIG_INVALID", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ev-lint-config-"));
    writeFileSync(join(dir, "Dockerfile"), "FROM debian:bookworm-20250428\n");
    writeFileSync(join(dir, ".edgevisor-lint.yml"), "rules:\n  no-such-rule: error\n");
    await assert.rejects(
      lintRelease(dir),
      (e: unknown) =>
        e instanceof EvError && e.code === "EV_CONFIG_INVALID" && /no-such-rule/.test(e.message),
    );
    writeFileSync(join(dir, ".edgevisor-lint.yml"), "rules:\n  core-dumps: loud\n");
    await assert.rejects(
      lintRelease(dir),
      (e: unknown) => e instanceof EvError && e.code === "EV_CONFIG_INVALID",
    );
    writeFileSync(join(dir, ".edgevisor-lint.yml"), "rulez: {}\n");
    await assert.rejects(
      lintRelease(dir),
      (e: unknown) =>
        e instanceof EvError &&
        e.code === "EV_CONFIG_INVALID" &&
        /: rulez: unknown key$/.test(e.message),
    );
    writeFileSync(join(dir, ".edgevisor-lint.yml"), "- rules\n");
    await assert.rejects(
      lintRelease(dir),
      (e: unknown) => e instanceof EvError && /expected object, received array/.test(e.message),
    );
  });

  it("reads a JSON config given explicitly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ev-lint-config-"));
    writeFileSync(join(dir, "Dockerfile"), "FROM debian:bookworm\n");
    const cfg = join(dir, "lint.json");
    writeFileSync(cfg, JSON.stringify({ rules: { "pin-base-image": "error" } }));
    const { findings } = await lintRelease(dir, { configPath: cfg });
    assert.deepEqual(
      findings.map((f) => `${f.ruleId} ${f.severity}`),
      ["pin-base-image error"],
    );
  });

  it("a missing release directory is EV_RELEASE_NOT_FOUND", async () => {
    await assert.rejects(
      lintRelease(join(tmpdir(), "does-not-exist-ev-lint")),
      (e: unknown) => e instanceof EvError && e.code === "EV_RELEASE_NOT_FOUND",
    );
  });

  it("a build context without a Dockerfile is a parse-error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ev-lint-ctx-"));
    mkdirSync(join(dir, "app"));
    writeFileSync(
      join(dir, "docker-compose.yml"),
      "services:\n  app:\n    build: ./app\n    mem_limit: 64m\n",
    );
    const { findings } = await lintRelease(dir);
    assert.deepEqual(
      findings.map((f) => `${f.ruleId} ${where(f)}`),
      ["parse-error docker-compose.yml:2:3"],
    );
    assert.match(findings[0]?.message ?? "", /has no Dockerfile/);
  });

  it("invalid YAML is reported as parse-error, not thrown", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ev-lint-yaml-"));
    writeFileSync(join(dir, "docker-compose.yml"), "services:\n  app:\n    image: [unclosed\n");
    const { findings } = await lintRelease(dir);
    assert.equal(findings[0]?.ruleId, "parse-error");
    assert.equal(findings[0]?.severity, "error");
  });
});
