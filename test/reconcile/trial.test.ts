import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { simulate } from "../../src/reconcile/effects.ts";
import { evaluateTrial } from "../../src/reconcile/trial.ts";
import { emptyEngine, release, service } from "../support/release-builders.ts";

const r = release([
  service("db", { healthcheck: { test: ["CMD", "true"] } }),
  service("web"),
  service("migrate", { restart: "no" }),
]);
const started = 1_000;
function running() {
  return simulate({
    target: r,
    engine: emptyEngine(),
    locks: {},
    now: started,
    force: false,
    backoffUntil: {},
  }).final;
}
const since = 5_000;

describe("release test window", () => {
  test("pending while the window runs, passed when every service ran through it", () => {
    const engine = running();
    assert.deepEqual(evaluateTrial(r, engine, since, since + 1_000, 60_000), {
      verdict: "pending",
      remainingMs: 59_000,
    });
    assert.deepEqual(evaluateTrial(r, engine, since, since + 60_000, 60_000), {
      verdict: "passed",
    });
  });

  test("a one-shot service that finished well does not fail the release", () => {
    const engine = running();
    const m = engine.containers.find((c) => c.service === "migrate")!;
    m.status = "exited";
    m.exitCode = 0;
    assert.deepEqual(evaluateTrial(r, engine, since, since + 60_000, 60_000), {
      verdict: "passed",
    });
    m.exitCode = 2;
    assert.deepEqual(evaluateTrial(r, engine, since, since + 10, 60_000), {
      verdict: "failed",
      reason: "migrate: exited with code 2",
    });
  });

  test("crash loops, restarts, OOM kills, unhealthy services and missing containers fail it", () => {
    const cases: [string, (e: ReturnType<typeof running>) => void][] = [
      [
        "web: crash loop (restarting)",
        (e) => (e.containers.find((c) => c.service === "web")!.status = "restarting"),
      ],
      [
        "web: restarted during the test window (restart count 3)",
        (e) =>
          Object.assign(
            e.containers.find((c) => c.service === "web")!,
            { startedAt: since + 10, restartCount: 3 },
          ),
      ],
      [
        "web: killed for lack of memory (OOM)",
        (e) => (e.containers.find((c) => c.service === "web")!.oomKilled = true),
      ],
      [
        "db: unhealthy",
        (e) => (e.containers.find((c) => c.service === "db")!.health = "unhealthy"),
      ],
      [
        "web: its container is gone",
        (e) => (e.containers = e.containers.filter((c) => c.service !== "web")),
      ],
    ];
    for (const [reason, breakIt] of cases) {
      const engine = running();
      breakIt(engine);
      assert.deepEqual(evaluateTrial(r, engine, since, since + 100, 60_000), {
        verdict: "failed",
        reason,
      });
    }
  });

  test("a healthcheck still starting at the end of the window fails it", () => {
    const engine = running();
    engine.containers.find((c) => c.service === "db")!.health = "starting";
    assert.deepEqual(evaluateTrial(r, engine, since, since + 100, 60_000).verdict, "pending");
    assert.deepEqual(evaluateTrial(r, engine, since, since + 60_000, 60_000), {
      verdict: "failed",
      reason: "db: not healthy by the end of the test window",
    });
  });
});
