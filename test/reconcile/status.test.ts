import assert from "node:assert/strict";
import { test } from "node:test";
import { simulate } from "../../src/reconcile/effects.ts";
import { planUpdate } from "../../src/reconcile/planner.ts";
import { formatStatus, statusReport } from "../../src/reconcile/status.ts";
import { emptyEngine, release, service } from "../support/release-builders.ts";

const r = release([service("db", { memLimit: 1 << 26 }), service("web")], { volumes: ["data"] });
const input = { target: r, locks: {}, now: 0, force: false, backoffUntil: {} };

test("status of an applied release lists services, missing limits and unused volumes", () => {
  const engine = simulate({ ...input, engine: emptyEngine() }).final;
  engine.volumes.push({ name: "demo_old", app: "demo" });
  const report = statusReport(
    { version: 1, target: { release: r, source: "x", force: false }, status: "applied" },
    engine,
    planUpdate({ ...input, engine }),
  );
  assert.equal(report.overall, "applied");
  assert.deepEqual(
    report.services.map((s) => [s.service, s.state, s.outdated]),
    [
      ["db", "running", false],
      ["web", "running", false],
    ],
  );
  assert.deepEqual(report.unusedVolumes, ["demo_old"]);
  const text = formatStatus(report);
  assert.match(text, /^release r1 of demo: applied/);
  assert.match(text, /web .* no mem_limit/);
  assert.match(text, /volumes no longer used \(kept\): demo_old/);
});

test("an applied outcome with work pending reads as applying, and failures carry the reason", () => {
  const engine = emptyEngine();
  const plan = planUpdate({ ...input, engine });
  const state = {
    version: 1 as const,
    target: { release: r, source: "x", force: false },
    status: "applied" as const,
  };
  assert.equal(statusReport(state, engine, plan).overall, "applying");
  const failed = statusReport(
    { ...state, status: "failed", reason: "EV_BUILD_FAILED: boom" },
    engine,
    plan,
  );
  assert.equal(failed.overall, "failed");
  assert.equal(failed.reason, "EV_BUILD_FAILED: boom");
  assert.deepEqual(
    failed.services.map((s) => s.state),
    ["missing", "missing"],
  );
});
