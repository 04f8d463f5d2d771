// The real CLI as a child process, with its state and lock folders under `dir` and the
// engine of the tests (or the one given): for tests that kill it, signal it or read its log.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { engineHost } from "./engine.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface CliProcess {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnCli(
  args: string[],
  opts: { dir: string; dockerHost?: string; env?: Record<string, string> },
): CliProcess {
  const child = spawn(process.execPath, [path.join(root, "src/cli/main.ts"), ...args], {
    env: {
      ...process.env,
      DOCKER_HOST: opts.dockerHost ?? engineHost(),
      EDGEVISOR_STATE_DIR: path.join(opts.dir, "state"),
      EDGEVISOR_LOCK_DIR: path.join(opts.dir, "locks"),
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b));
  child.stderr!.on("data", (b: Buffer) => (out += b));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.on("error", reject);
      child.on("exit", (code, signal) => resolve({ code, signal }));
    },
  );
  return { child, output: () => out, exited };
}
