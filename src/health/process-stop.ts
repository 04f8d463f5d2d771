// Stop a process gracefully: SIGTERM, wait up to a grace period, then SIGKILL. The process
// is identified by pid *and* start time (/proc/<pid>/stat), so a pid reused by another
// process after the engine exited is never signalled. Reads /proc only; writes nothing.
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

export type StopOutcome = "not-running" | "terminated" | "killed";

interface ProcStat {
  state: string;
  startTime: string;
}

async function readNoAtime(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOATIME).catch(
      (e: NodeJS.ErrnoException) => {
        if (e.code === "EPERM") return open(path, constants.O_RDONLY);
        throw e;
      },
    );
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ESRCH") return undefined;
    throw e;
  }
  try {
    return await handle.readFile("utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ESRCH") return undefined; // exited meanwhile
    throw e;
  } finally {
    await handle.close();
  }
}

async function procStat(pid: number): Promise<ProcStat | undefined> {
  const text = await readNoAtime(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  // "pid (comm) state ppid … starttime(22nd field) …"; comm may contain spaces and ")".
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = rest[0];
  const startTime = rest[19];
  if (state === undefined || startTime === undefined) return undefined;
  return { state, startTime };
}

/** Gone, or a zombie waiting for its parent: either way it no longer runs. */
async function stillRuns(pid: number, startTime: string): Promise<boolean> {
  const s = await procStat(pid);
  return s !== undefined && s.startTime === startTime && s.state !== "Z" && s.state !== "X";
}

/** Read a pidfile (e.g. /run/docker.pid); undefined when absent or not a pid. */
export async function readPidfile(path: string): Promise<number | undefined> {
  const text = await readNoAtime(path);
  const pid = Number(text?.trim());
  return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined;
}

export async function stopGracefully(
  pid: number,
  graceMs: number,
  opts: { pollMs?: number; log?: (line: string) => void } = {},
): Promise<StopOutcome> {
  if (!(Number.isSafeInteger(pid) && pid > 1))
    throw new RangeError(`refusing to signal pid ${pid}`);
  const pollMs = opts.pollMs ?? 50;
  const stat = await procStat(pid);
  if (!stat || stat.state === "Z") return "not-running";
  const signal = (sig: NodeJS.Signals): boolean => {
    try {
      process.kill(pid, sig);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ESRCH") return false;
      throw e;
    }
  };
  opts.log?.(`engine restart: SIGTERM to pid ${pid}, SIGKILL after ${graceMs} ms`);
  if (!signal("SIGTERM")) return "not-running";
  const deadline = performance.now() + graceMs;
  while (performance.now() < deadline) {
    if (!(await stillRuns(pid, stat.startTime))) return "terminated";
    await sleep(pollMs);
  }
  if (!(await stillRuns(pid, stat.startTime))) return "terminated";
  opts.log?.(`engine restart: pid ${pid} still runs after ${graceMs} ms: SIGKILL`);
  signal("SIGKILL");
  // SIGKILL cannot be ignored, but a process in uninterruptible I/O dies only when that ends.
  const killDeadline = performance.now() + 10_000;
  while ((await stillRuns(pid, stat.startTime)) && performance.now() < killDeadline)
    await sleep(pollMs);
  return "killed";
}
