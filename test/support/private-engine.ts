// A second private dockerd, for tests that must kill, restart or starve an engine: the
// shared test engine stays untouched. No bridge or iptables of its own, so it never fights
// the shared engine over host networking; user-defined networks still work.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { EngineClient } from "../../src/engine/api/index.ts";

export interface PrivateEngine {
  socket: string;
  docker: EngineClient;
  /** Kill dockerd with `signal` (its containerd and shims survive, as on a real device). */
  kill(signal: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  /** Stop it, remove everything it ran, and its folders. */
  destroy(): Promise<void>;
}

export async function startPrivateEngine(
  base: string,
  dataRoot = join(base, "data"),
): Promise<PrivateEngine> {
  mkdirSync(base, { recursive: true });
  const socket = join(base, "docker.sock");
  const docker = new EngineClient({ socketPath: socket });
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn(
      "dockerd",
      [
        "--host",
        `unix://${socket}`,
        "--data-root",
        dataRoot,
        "--exec-root",
        join(base, "x"),
        "--pidfile",
        join(base, "dockerd.pid"),
        "--bridge",
        "none",
        "--iptables=false",
        "--ip-masq=false",
        "--storage-driver",
        "overlay2",
        "--log-level",
        "warn",
      ],
      // A file, not a pipe: dockerd's containerd inherits it and would keep us alive.
      { stdio: ["ignore", "ignore", openSync(join(base, "dockerd.log"), "a")] },
    );
    for (let i = 0; ; i++) {
      try {
        await docker.ping();
        return;
      } catch {
        if (i > 150 || proc.exitCode !== null) {
          throw new Error(
            `private dockerd did not start:\n${readFileSync(join(base, "dockerd.log"), "utf8")}`,
          );
        }
        await sleep(200);
      }
    }
  };
  const kill = async (signal: NodeJS.Signals) => {
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc!.once("exit", r));
    proc.kill(signal);
    await Promise.race([exited, sleep(30_000, undefined, { ref: false })]);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
  };
  await start();
  return {
    socket,
    docker,
    kill,
    start,
    async destroy() {
      try {
        for (const c of await docker.listContainers({ all: true }))
          await docker.getContainer(c.Id).remove({ force: true });
      } catch {
        // going away anyway
      }
      await kill("SIGTERM");
      // dockerd bind-mounts its data root (and a killed one leaves that mount behind).
      const mounts = readFileSync("/proc/mounts", "utf8")
        .split("\n")
        .map((l) => l.split(" ")[1] ?? "")
        .filter((m) => m.startsWith(`${base}/`))
        .sort((a, b) => b.length - a.length);
      for (const m of mounts) spawnSync("umount", ["-l", m]);
      rmSync(base, { recursive: true, force: true });
    },
  };
}
