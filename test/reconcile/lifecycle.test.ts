import assert from "node:assert/strict";
import { test } from "node:test";
import { simulate } from "../../src/reconcile/effects.ts";
import { afterApplied, chooseGoal } from "../../src/reconcile/lifecycle.ts";
import type { AgentState } from "../../src/state/agent-state.ts";
import { emptyEngine, release, service } from "../support/release-builders.ts";

const v1 = release([service("web", { image: "web:1" })], { releaseId: "r1" });
const v2 = release([service("web", { image: "web:2" })], { releaseId: "r2" });
const engineFor = (r: typeof v1) =>
  simulate({ target: r, engine: emptyEngine(), locks: {}, now: 0, force: false, backoffUntil: {} })
    .final;
const base: AgentState = {
  version: 1,
  target: { release: v2, source: "file", force: false },
  current: { release: v1, appliedAt: "t" },
};

test("a reached target is tested for the window, then committed", () => {
  const goal = chooseGoal(base)!;
  assert.deepEqual([goal.release.releaseId, goal.rollback], ["r2", false]);
  const first = afterApplied(base, goal, engineFor(v2), 10_000, 60_000);
  assert.deepEqual(first.state.trial, { releaseId: "r2", since: 10_000 });
  assert.equal(first.state.status, "applying");
  assert.equal(first.recheckMs, 60_000);
  const done = afterApplied(first.state, goal, engineFor(v2), 70_000, 60_000);
  assert.equal(done.state.status, "applied");
  assert.equal(done.state.current?.release.releaseId, "r2");
  assert.equal(done.state.trial, undefined);
});

test("a failing target is rejected, the goal becomes the last committed release, and stays so", () => {
  const goal = chooseGoal(base)!;
  const trial = afterApplied(base, goal, engineFor(v2), 10_000, 60_000).state;
  const broken = engineFor(v2);
  broken.containers[0]!.status = "restarting";
  const failed = afterApplied(trial, goal, broken, 20_000, 60_000);
  assert.equal(failed.state.status, "failed");
  assert.deepEqual(failed.state.rejected?.releaseId, "r2");
  assert.match(
    failed.state.reason!,
    /failed its test window \(web: crash loop \(restarting\)\); rolling back to r1/,
  );
  const back = chooseGoal(failed.state)!;
  assert.deepEqual([back.release.releaseId, back.rollback], ["r1", true]);
  const after = afterApplied(failed.state, back, engineFor(v1), 30_000, 60_000);
  assert.equal(after.state.status, "failed");
  assert.match(after.state.reason!, /rejected .*rolled back to r1/);
  assert.equal(
    after.state.current?.release.releaseId,
    "r1",
    "the rollback release stays committed",
  );
});

test("a new target after a rejection is tried again", () => {
  const rejected: AgentState = { ...base, rejected: { releaseId: "r2", reason: "x", at: "t" } };
  const v3 = release([service("web", { image: "web:3" })], { releaseId: "r3" });
  const goal = chooseGoal({ ...rejected, target: { release: v3, source: "file", force: false } })!;
  assert.deepEqual([goal.release.releaseId, goal.rollback], ["r3", false]);
});

test("a window of 0 commits at once; a rejected first release keeps running but is not retried", () => {
  const first: AgentState = { version: 1, target: { release: v1, source: "file", force: false } };
  assert.equal(
    afterApplied(first, chooseGoal(first)!, engineFor(v1), 0, 0).state.current?.release.releaseId,
    "r1",
  );
  const rejected = { ...first, rejected: { releaseId: "r1", reason: "x", at: "t" } };
  const goal = chooseGoal(rejected)!;
  assert.equal(goal.rollback, false);
  const again = afterApplied(rejected, goal, engineFor(v1), 0, 60_000);
  assert.equal(again.state.status, "failed");
  assert.equal(again.state.trial, undefined);
});
