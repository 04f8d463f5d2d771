// systemd's notify protocol: newline-separated assignments (READY=1, WATCHDOG=1, STATUS=…,
// STOPPING=1) in one datagram to the AF_UNIX socket named by NOTIFY_SOCKET (a path, or
// "@name" for the abstract namespace).
//
// Node cannot send unix datagrams (dgram is UDP only, net is streams only), so each message
// is handed to Debian's `systemd-notify` (package systemd, present wherever systemd sets
// NOTIFY_SOCKET). When run as root it sends with the *invoking* process's pid as the
// credential, so PID 1 attributes the message to the agent itself and NotifyAccess=main
// works; unprivileged it falls back to its own pid (then use NotifyAccess=all). It waits
// for PID 1 to have processed the message (BARRIER=1), so ordering holds. Cost: one short
// process per message, i.e. one every WatchdogSec/2 (measured: < 10 ms, ~6 MB peak RSS).
// Why not a native addon: the maintained one (unix-dgram) has no prebuilt binaries (a
// node-gyp build per device architecture at install) and cannot address abstract sockets.
// See docs/health.md.
import { execFile } from "node:child_process";

export interface NotifyMessage {
  ready?: boolean;
  watchdog?: boolean;
  stopping?: boolean;
  /** One line for `systemctl status`. */
  status?: string;
  /** Tell the manager which pid is the service's main process. */
  mainPid?: number;
}

export interface Notifier {
  /** False when no service manager listens (NOTIFY_SOCKET unset): send() does nothing. */
  readonly enabled: boolean;
  /** Sends in call order; never rejects (a lost notification is logged, not fatal). */
  send(msg: NotifyMessage): Promise<void>;
}

/** Runs `file args` with `env`; rejects on a non-zero exit, a spawn error or the timeout. */
export type RunCommand = (
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
) => Promise<void>;

export interface NotifierOptions {
  /** NOTIFY_SOCKET's value; undefined or empty disables notification. */
  socket: string | undefined;
  log: (line: string) => void;
  /** Default: "systemd-notify" from PATH. */
  command?: string;
  /** PATH for finding the command. */
  path?: string;
  timeoutMs?: number;
  run?: RunCommand;
}

export function notifyAssignments(msg: NotifyMessage): string[] {
  const out: string[] = [];
  if (msg.ready) out.push("READY=1");
  if (msg.stopping) out.push("STOPPING=1");
  if (msg.status !== undefined) out.push(`STATUS=${msg.status.replace(/[\r\n]+/g, " ")}`);
  if (msg.mainPid !== undefined) out.push(`MAINPID=${msg.mainPid}`);
  if (msg.watchdog) out.push("WATCHDOG=1");
  return out;
}

export function createNotifier(opts: NotifierOptions): Notifier {
  const socket = opts.socket;
  if (!socket) return { enabled: false, send: async () => {} };
  const command = opts.command ?? "systemd-notify";
  const run = opts.run ?? runCommand;
  const timeoutMs = opts.timeoutMs ?? 6000; // systemd-notify waits up to 5 s for its barrier
  // The child gets only what it needs: in particular no WATCHDOG_* and no inherited secrets.
  const env: NodeJS.ProcessEnv = { NOTIFY_SOCKET: socket, PATH: opts.path ?? "/usr/bin:/bin" };
  let chain: Promise<void> = Promise.resolve();
  let disabled = false;
  return {
    enabled: true,
    send(msg) {
      const args = notifyAssignments(msg);
      if (args.length === 0) return chain;
      chain = chain.then(async () => {
        if (disabled) return;
        try {
          await run(command, args, env, timeoutMs);
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          if (err.code === "ENOENT") {
            disabled = true;
            opts.log(
              `systemd notification disabled: ${command} not found (install Debian's systemd package)`,
            );
            return;
          }
          opts.log(`systemd notification ${args.join(" ")} failed: ${err.message}`);
        }
      });
      return chain;
    },
  };
}

/** The notifier the environment asks for: NOTIFY_SOCKET set → systemd-notify. */
export function notifierFromEnv(env: NodeJS.ProcessEnv, log: (line: string) => void): Notifier {
  return createNotifier({
    socket: env.NOTIFY_SOCKET,
    log,
    command: env.EDGEVISOR_SYSTEMD_NOTIFY,
    path: env.PATH,
  });
}

export const runCommand: RunCommand = (file, args, env, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: timeoutMs, killSignal: "SIGKILL" }, (err, _o, stderr) => {
      if (!err) return resolve();
      const detail = String(stderr).trim();
      reject(detail ? Object.assign(err, { message: detail }) : err);
    });
  });
