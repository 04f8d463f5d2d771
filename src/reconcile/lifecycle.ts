// Which release the loop works towards, and what a reached release means for the agent's
// state: the target in its test window, committed once the window passes, rejected (and
// rolled back to the last committed release) when it fails. Pure: state in, state out.
import type { EngineSnapshot } from "../engine/types.ts";
import type { Release } from "../release/types.ts";
import type { AgentState } from "../state/agent-state.ts";
import { evaluateTrial } from "./trial.ts";

export interface Goal {
  release: Release;
  /** True when the goal is the last committed release because the target was rejected. */
  rollback: boolean;
}

export function chooseGoal(state: AgentState): Goal | undefined {
  const target = state.target?.release;
  if (!target) return undefined;
  if (state.rejected?.releaseId === target.releaseId && state.current) {
    return { release: state.current.release, rollback: true };
  }
  return { release: target, rollback: false };
}

export interface AfterApplied {
  state: AgentState;
  /** Wake again after this long (test window still running). */
  recheckMs?: number;
  /** A line for the log, when something changed. */
  event?: string;
}

/** The goal was reached: start, continue or end its test window. */
export function afterApplied(
  state: AgentState,
  goal: Goal,
  engine: EngineSnapshot,
  now: number,
  windowMs: number,
): AfterApplied {
  const s = structuredClone(state);
  const release = goal.release;
  if (goal.rollback) {
    s.status = "failed";
    s.reason = `release ${s.rejected?.releaseId} rejected (${s.rejected?.reason}); rolled back to ${release.releaseId}`;
    return { state: s };
  }
  if (s.rejected?.releaseId === release.releaseId) {
    // Rejected with nothing to roll back to: it keeps running, but is not tried again.
    s.status = "failed";
    return { state: s };
  }
  if (s.current?.release.releaseId === release.releaseId && !s.trial) {
    s.status = "applied";
    delete s.reason;
    return { state: s };
  }
  if (windowMs <= 0) return commit(s, release, now, `release ${release.releaseId} applied`);
  const trial =
    s.trial?.releaseId === release.releaseId
      ? s.trial
      : { releaseId: release.releaseId, since: now };
  s.trial = trial;
  const verdict = evaluateTrial(release, engine, trial.since, now, windowMs);
  switch (verdict.verdict) {
    case "pending":
      s.status = "applying";
      s.reason = `testing release ${release.releaseId}: ${Math.ceil(verdict.remainingMs / 1000)} s of the test window left`;
      return { state: s, recheckMs: verdict.remainingMs };
    case "passed":
      return commit(
        s,
        release,
        now,
        `release ${release.releaseId} passed its test window and is committed`,
      );
    case "failed": {
      delete s.trial;
      s.rejected = {
        releaseId: release.releaseId,
        reason: verdict.reason,
        at: new Date(now).toISOString(),
      };
      s.status = "failed";
      s.reason = s.current
        ? `release ${release.releaseId} failed its test window (${verdict.reason}); rolling back to ${s.current.release.releaseId}`
        : `release ${release.releaseId} failed its test window (${verdict.reason}); no earlier release to roll back to`;
      return { state: s, event: s.reason };
    }
  }
}

function commit(s: AgentState, release: Release, now: number, event: string): AfterApplied {
  delete s.trial;
  delete s.reason;
  s.status = "applied";
  s.current = { release, appliedAt: new Date(now).toISOString() };
  return { state: s, event };
}
