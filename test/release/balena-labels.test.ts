import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_HANDOVER_TIMEOUT_MS } from "../../src/release/types.ts";
import { errors, ok, oneError, parse, warnings, web } from "./helpers.ts";

test("update strategy, handover timeout and features from labels", () => {
  const spec = ok(
    parse(
      web(`image: x
labels:
  io.balena.update.strategy: hand-over
  io.balena.update.handover-timeout: "120000"
  io.balena.features.dbus: "1"
  io.balena.features.supervisor-api: "true"
  io.balena.features.balena-socket: "1"
  io.balena.features.kernel-modules: "0"
  io.balena.features.firmware: "false"`),
    ),
  );
  assert.equal(spec.updateStrategy, "hand-over");
  assert.equal(spec.handoverTimeoutMs, 120_000);
  assert.deepEqual(spec.features, ["balena-socket", "dbus", "supervisor-api"]);
  assert.equal(spec.labels["io.balena.features.dbus"], "1", "labels are kept as given");
});

test("every update strategy is accepted, in list form too", () => {
  for (const strategy of [
    "download-then-kill",
    "kill-then-download",
    "delete-then-download",
    "hand-over",
  ]) {
    const spec = ok(parse(web(`image: x\nlabels: ["io.balena.update.strategy=${strategy}"]`)));
    assert.equal(spec.updateStrategy, strategy);
  }
});

test("an invalid strategy is an error naming the label and the accepted values", () => {
  oneError(
    parse(web(`image: x\nlabels:\n  io.balena.update.strategy: yolo`)),
    "5:34",
    'services.web.labels["io.balena.update.strategy"]',
    /expected an update strategy: download-then-kill, kill-then-download, delete-then-download, hand-over, got "yolo"/,
  );
});

test("a non-integer handover timeout is an error", () => {
  for (const bad of ["soon", "1.5", "-1", "60s"]) {
    const out = parse(web(`image: x\nlabels:\n  io.balena.update.handover-timeout: "${bad}"`));
    assert.equal(errors(out).length, 1, bad);
    assert.match(errors(out)[0]?.message ?? "", /a whole number of milliseconds/);
  }
});

test("an empty handover timeout keeps the default, as balena documents", () => {
  const spec = ok(parse(web(`image: x\nlabels:\n  io.balena.update.handover-timeout: ''`)));
  assert.equal(spec.handoverTimeoutMs, DEFAULT_HANDOVER_TIMEOUT_MS);
});

test("legacy io.resin labels are read like io.balena ones", () => {
  const spec = ok(
    parse(
      web(
        `image: x\nlabels:\n  io.resin.features.dbus: "1"\n  io.resin.update.strategy: kill-then-download`,
      ),
    ),
  );
  assert.deepEqual(spec.features, ["dbus"]);
  assert.equal(spec.updateStrategy, "kill-then-download");
});

test("an unknown feature is a warning, and still recorded when truthy", () => {
  const out = parse(web(`image: x\nlabels:\n  io.balena.features.teleport: "1"`));
  assert.deepEqual(ok(out).features, ["teleport"]);
  assert.match(warnings(out)[0]?.message ?? "", /unknown balena feature "teleport"/);
});
