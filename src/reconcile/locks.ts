// balena-compatible update locks. Each service's lock directory is mounted at /tmp/balena
// and /tmp/resin; while updates.lock (or the legacy resin-updates.lock) exists there, the
// agent neither stops nor replaces the service. The agent takes the same lock itself while
// it stops a service, and marks its own lock files so a restarted agent can clean them.
import { link, mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { EvError } from "../errors.ts";
import type { ServiceLocks } from "./planner.ts";

const LOCK_FILES = ["updates.lock", "resin-updates.lock"];
const HANDOVER_FILES = ["handover-complete", "resin-kill-me"];
const AGENT_MARK = "edgevisor-agent-lock";

export class LockDirs {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  dir(app: string, service: string): string {
    return path.join(this.root, app, service);
  }

  async ensure(app: string, service: string): Promise<string> {
    const dir = this.dir(app, service);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    return dir;
  }

  async read(app: string, services: Iterable<string>): Promise<Record<string, ServiceLocks>> {
    const out: Record<string, ServiceLocks> = {};
    for (const service of services) {
      const dir = this.dir(app, service);
      out[service] = {
        locked: await heldByApp(dir),
        handoverComplete: await anyExists(dir, HANDOVER_FILES),
      };
    }
    return out;
  }

  /** Take the service's lock for the agent; fails with EV_UPDATE_LOCKED if the app holds it. */
  async take(app: string, service: string): Promise<() => Promise<void>> {
    const dir = await this.ensure(app, service);
    if (await anyExists(dir, LOCK_FILES.slice(1))) throw locked(service);
    const file = path.join(dir, LOCK_FILES[0]!);
    // Create the lock with its mark in one step (link fails if the lock exists), so a reader
    // never sees an agent lock without the mark.
    const tmp = path.join(dir, `.agent-lock.${process.pid}`);
    await writeFile(tmp, `${AGENT_MARK} pid=${process.pid}\n`, { mode: 0o644 });
    try {
      await link(tmp, file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") throw locked(service);
      throw e;
    } finally {
      await rm(tmp, { force: true });
    }
    return async () => {
      if (await isAgentLock(file)) await rm(file, { force: true });
    };
  }

  async clearHandover(app: string, service: string): Promise<void> {
    const dir = this.dir(app, service);
    for (const f of HANDOVER_FILES) await rm(path.join(dir, f), { force: true });
  }

  /** Remove lock files a previous (killed) agent left behind; the apps' own locks stay. */
  async cleanAgentLocks(): Promise<string[]> {
    const cleaned: string[] = [];
    for (const app of await listDirs(this.root)) {
      for (const service of await listDirs(path.join(this.root, app))) {
        const file = path.join(this.root, app, service, LOCK_FILES[0]!);
        if (await isAgentLock(file)) {
          await rm(file, { force: true });
          cleaned.push(file);
        }
      }
    }
    return cleaned;
  }
}

function locked(service: string): EvError {
  return new EvError("EV_UPDATE_LOCKED", `service ${service} holds its update lock`, {
    hint: "the update continues when the app removes /tmp/balena/updates.lock, or apply with --force",
  });
}

async function anyExists(dir: string, names: string[]): Promise<boolean> {
  for (const n of names) {
    try {
      await stat(path.join(dir, n));
      return true;
    } catch {
      // absent
    }
  }
  return false;
}

/** A lock file exists that is not the agent's own (held only while it stops the service). */
async function heldByApp(dir: string): Promise<boolean> {
  for (const name of LOCK_FILES) {
    let text: string;
    try {
      text = await readFile(path.join(dir, name), "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") continue; // absent, or the agent released it just now
      return true; // there, but unreadable: someone else's
    }
    if (!text.startsWith(AGENT_MARK)) return true;
  }
  return false;
}

async function isAgentLock(file: string): Promise<boolean> {
  try {
    return (await readFile(file, "utf8")).startsWith(AGENT_MARK);
  } catch {
    return false;
  }
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
}
