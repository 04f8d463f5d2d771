import assert from "node:assert/strict";
import { test } from "node:test";
import { Command } from "commander";
import { addHealthOptions, resolveHealthConfig } from "../../src/health/config.ts";
import { isEvError } from "../../src/errors.ts";

test("defaults, environment and flags, in that order of precedence", () => {
  assert.deepEqual(resolveHealthConfig({}, {}), {
    checkIntervalMs: 10_000,
    checkTimeoutMs: 2000,
    loopMaxAgeMs: undefined,
    restartCommand: undefined,
    enginePidfile: undefined,
    restartAfter: 3,
    restartsPerHour: 3,
    stopGraceMs: 20_000,
    restartTimeoutMs: 120_000,
  });
  const c = resolveHealthConfig(
    { engineCheckInterval: "0.5", engineRestartCommand: "systemctl restart docker" },
    { EDGEVISOR_ENGINE_CHECK_INTERVAL: "30", EDGEVISOR_ENGINE_RESTARTS_PER_HOUR: "0" },
  );
  assert.equal(c.checkIntervalMs, 500);
  assert.equal(c.restartsPerHour, 0);
  assert.equal(c.restartCommand, "systemctl restart docker");
});

test("flags come from the same table", () => {
  const cmd = addHealthOptions(new Command("run").exitOverride());
  cmd.parse([
    "node",
    "run",
    "--engine-check-timeout",
    "1.5",
    "--engine-pidfile",
    "/run/docker.pid",
  ]);
  const c = resolveHealthConfig(cmd.opts(), {});
  assert.equal(c.checkTimeoutMs, 1500);
  assert.equal(c.enginePidfile, "/run/docker.pid");
});

test("bad numbers are refused with the flag and variable named", () => {
  for (const [env, message] of [
    [
      { EDGEVISOR_ENGINE_CHECK_TIMEOUT: "soon" },
      /--engine-check-timeout \(EDGEVISOR_ENGINE_CHECK_TIMEOUT\): "soon" is not a positive number of seconds/,
    ],
    [
      { EDGEVISOR_ENGINE_RESTART_AFTER: "0" },
      /--engine-restart-after .*"0" is not a whole number ≥ 1/,
    ],
    [{ EDGEVISOR_ENGINE_RESTARTS_PER_HOUR: "1.5" }, /is not a whole number ≥ 0/],
  ] as const) {
    assert.throws(
      () => resolveHealthConfig({}, env),
      (e: unknown) => isEvError(e) && e.code === "EV_CONFIG_INVALID" && message.test(e.message),
    );
  }
});
