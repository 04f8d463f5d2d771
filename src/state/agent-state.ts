// What the agent persists: the target it was given, the release it last applied, and the
// step in flight. Written atomically and only when the content changes (flash wear): an
// idle agent writes nothing.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { EvError } from "../errors.ts";
import type { Release } from "../release/types.ts";
import { atomicWriteFile } from "../util/atomic-write.ts";

export type ApplyStatus = "applied" | "applying" | "failed" | "aborted";

export interface AgentState {
  version: 1;
  target?: { release: Release; source: string; force: boolean };
  /** The last release that was fully applied. */
  current?: { release: Release; appliedAt: string };
  status?: ApplyStatus;
  reason?: string;
  /** The step being executed, so a restarted agent can say what was interrupted. */
  inFlight?: { step: string; startedAt: string };
  /** A reached target in its test window; committed (becomes `current`) when the window passes. */
  trial?: { releaseId: string; since: number };
  /** A target that failed its test window: not retried until the target changes. */
  rejected?: { releaseId: string; reason: string; at: string };
  /** Where an API-set target came from; the target file wins again once its digest changes. */
  targetFileDigest?: string;
  /** This device's identity, made once. */
  device?: { uuid: string; name: string };
}

export class AgentStateStore {
  readonly file: string;
  private lastWritten: string | undefined;
  private state: AgentState = { version: 1 };

  constructor(stateDir: string) {
    this.file = path.join(stateDir, "state.json");
  }

  async load(): Promise<AgentState> {
    let text: string;
    try {
      text = await readFile(this.file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return this.state;
      throw e;
    }
    try {
      const parsed = JSON.parse(text) as AgentState;
      if (parsed.version !== 1) throw new Error(`unknown version ${String(parsed.version)}`);
      this.state = parsed;
      this.lastWritten = text;
      return parsed;
    } catch (e) {
      throw new EvError("EV_STATE_CORRUPT", `${this.file}: ${(e as Error).message}`, {
        hint: "the file is written atomically, so this is outside damage; move it away and re-apply the target",
        cause: e,
      });
    }
  }

  get(): AgentState {
    return this.state;
  }

  /** Apply a change and persist it only if the serialised state differs. */
  async update(change: (s: AgentState) => AgentState): Promise<boolean> {
    const next = change(structuredClone(this.state));
    const text = `${JSON.stringify(next, null, 1)}\n`;
    this.state = next;
    if (text === this.lastWritten) return false;
    await atomicWriteFile(this.file, text);
    this.lastWritten = text;
    return true;
  }
}
