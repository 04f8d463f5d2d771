import assert from "node:assert/strict";
import { test } from "node:test";
import { dockerDiagnosticsFor } from "../../src/engine/docker-diagnostics.ts";
import { EvError } from "../../src/errors.ts";

test("only a unix socket is a local engine (its data root is this machine's)", () => {
  assert.equal(dockerDiagnosticsFor("unix:///var/run/docker.sock").local, true);
  assert.equal(dockerDiagnosticsFor("/run/balena-engine.sock").local, true);
  const remote = dockerDiagnosticsFor("tcp://10.0.0.2:2375");
  assert.equal(remote.local, false);
  assert.equal(remote.address, "tcp://10.0.0.2:2375");
});

test("an unsupported DOCKER_HOST is a config error that says what to set", () => {
  assert.throws(
    () => dockerDiagnosticsFor("ssh://pi@device"),
    (e: unknown) =>
      e instanceof EvError &&
      e.code === "EV_CONFIG_INVALID" &&
      /ssh:\/\/ is not supported/.test(e.message) &&
      /unix:\/\/\//.test(e.hint ?? ""),
  );
});
