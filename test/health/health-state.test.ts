import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HealthMonitor, judgeHealth } from "../../src/health/health-state.ts";

const policy = { loopMaxAgeMs: 60_000, engineMaxAgeMs: 30_000 };
const T0 = 1_700_000_000_000;

describe("HealthMonitor", () => {
  test("unhealthy until both the loop ticked and the engine answered", () => {
    const m = new HealthMonitor(policy);
    assert.equal(m.healthy(T0), false);
    assert.deepEqual(m.report(T0).reasons, [
      "the loop has not ticked yet",
      "the engine has not answered a check yet",
    ]);
    m.loopTick(T0);
    assert.equal(m.healthy(T0), false);
    m.engineResult(true, T0 + 100);
    assert.equal(m.healthy(T0 + 100), true);
    assert.deepEqual(m.report(T0 + 100), { healthy: true, reasons: [] });
  });

  test("a loop silent for longer than its max age is unhealthy; a tick heals it", () => {
    const m = new HealthMonitor(policy);
    m.loopTick(T0);
    m.engineResult(true, T0);
    for (let t = T0; t <= T0 + 60_000; t += 10_000) m.engineResult(true, t);
    assert.equal(m.healthy(T0 + 60_000), true, "exactly at the limit is still alive");
    assert.equal(m.healthy(T0 + 60_001), false);
    assert.deepEqual(m.report(T0 + 75_000).reasons, ["loop silent for 75 s (limit 60 s)"]);
    assert.deepEqual(m.report(T0 + 95_000).reasons, [
      "loop silent for 95 s (limit 60 s)",
      "no engine check passed for 35 s",
    ]);
    m.loopTick(T0 + 75_000);
    m.engineResult(true, T0 + 75_000);
    assert.equal(m.healthy(T0 + 75_000), true);
  });

  test("a failed engine check is unhealthy at once, with its error; a pass heals it", () => {
    const m = new HealthMonitor(policy);
    m.loopTick(T0);
    m.engineResult(true, T0);
    m.engineResult(false, T0 + 10_000, "the engine did not answer within 2000 ms");
    assert.equal(m.healthy(T0 + 10_000), false);
    assert.deepEqual(m.report(T0 + 10_000).reasons, [
      "the engine failed its last check: the engine did not answer within 2000 ms",
    ]);
    m.engineResult(false, T0 + 20_000);
    assert.equal(m.consecutiveEngineFailures(), 2);
    m.engineResult(true, T0 + 30_000);
    assert.equal(m.consecutiveEngineFailures(), 0);
    assert.equal(m.healthy(T0 + 30_000), true);
  });

  test("an engine result that is too old no longer counts", () => {
    const m = new HealthMonitor(policy);
    m.engineResult(true, T0);
    m.loopTick(T0 + 40_000);
    assert.equal(m.healthy(T0 + 30_000), true);
    assert.equal(m.healthy(T0 + 30_001), false);
  });

  test("ticks never move backwards (a late tick with an older time is ignored)", () => {
    const m = new HealthMonitor(policy);
    m.loopTick(T0 + 5000);
    m.loopTick(T0);
    assert.equal(m.facts().loopAliveAt, T0 + 5000);
  });

  test("ready needs initialisation and one engine answer, in either order", () => {
    const a = new HealthMonitor(policy);
    a.markInitialised(T0);
    assert.equal(a.ready(), false);
    a.engineResult(false, T0);
    assert.equal(a.ready(), false, "a failed check is not an answer");
    a.engineResult(true, T0 + 1);
    assert.equal(a.ready(), true);
    const b = new HealthMonitor(policy);
    b.engineResult(true, T0);
    assert.equal(b.ready(), false);
    b.markInitialised(T0 + 1);
    assert.equal(b.ready(), true);
  });

  test("judgeHealth works on the API snapshot's facts alone", () => {
    const facts = { loopAliveAt: T0, engineOkAt: T0, engineOk: true };
    assert.equal(judgeHealth(facts, policy, T0 + 1000).healthy, true);
    assert.equal(judgeHealth({ ...facts, engineOk: false }, policy, T0 + 1000).healthy, false);
  });

  test("a policy without positive ages is refused", () => {
    assert.throws(() => new HealthMonitor({ loopMaxAgeMs: 0, engineMaxAgeMs: 1 }), RangeError);
  });
});
