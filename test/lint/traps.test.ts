// Things that look like anti-patterns and are not. test/lint/fixtures/traps is a whole
// release built from them and must come out clean; the rule-level pass fixtures hold more.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { lintRelease } from "../../src/lint/index.ts";
import { findingsOf, fixture, where } from "./support.ts";

describe("lint traps: must not fire", () => {
  it("the traps release has no findings at all", async () => {
    const { findings } = await lintRelease(fixture("traps"));
    assert.deepEqual(
      findings.map((f) => `${f.ruleId} ${where(f)}`),
      [],
    );
  });

  it("a service merely named like the supervisor is not the supervisor API", async () => {
    assert.deepEqual(await findingsOf("device-reboot", "rules", "device-reboot", "pass"), []);
    assert.deepEqual(
      await findingsOf("supervisor-api-poll", "rules", "supervisor-api-poll", "pass"),
      [],
    );
  });

  it("an app's own config.json is not the boot partition's", async () => {
    assert.deepEqual(
      await findingsOf("boot-config-write", "rules", "boot-config-write", "pass"),
      [],
    );
  });

  it("BALENA_HOST_CONFIG_* in balena.yml is the supported way, not a config.txt edit", async () => {
    const { findings, model } = await lintRelease(fixture("rules", "boot-config-write", "pass"));
    assert.ok(model.balenaYml, "balena.yml is loaded");
    assert.deepEqual(
      findings.filter((f) => f.loc.file === "balena.yml"),
      [],
    );
  });

  it("an image pinned by digest is pinned even if its tag says latest", async () => {
    assert.deepEqual(
      await findingsOf("pin-service-image", "rules", "pin-service-image", "pass"),
      [],
    );
    assert.deepEqual(await findingsOf("pin-base-image", "rules", "pin-base-image", "pass"), []);
  });

  it("logs to stdout or to a tmpfs are not unrotated log files", async () => {
    assert.deepEqual(await findingsOf("unrotated-log", "rules", "unrotated-log", "pass"), []);
    assert.deepEqual(await findingsOf("container-fs-write", "rules", "unrotated-log", "pass"), []);
  });
});
