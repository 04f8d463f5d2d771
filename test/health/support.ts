// Test helpers for the health integration tests: a real notify socket (a python3 datagram
// listener, since Node cannot bind one) and small process utilities.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";

export interface NotifyDatagram {
  /** Sender pid from SCM_CREDENTIALS, as systemd sees it. */
  pid: number;
  data: string;
  /** Monotonic seconds at reception. */
  t: number;
}

export interface NotifyListener {
  /** NOTIFY_SOCKET value. */
  address: string;
  received: NotifyDatagram[];
  /** Received datagrams without systemd-notify's BARRIER=1 round trips. */
  messages(): NotifyDatagram[];
  waitFor(pred: (d: NotifyDatagram) => boolean, timeoutMs: number): Promise<NotifyDatagram>;
  close(): Promise<void>;
}

const LISTENER = fileURLToPath(new URL("./fixtures/notify-listener.py", import.meta.url));

export async function startNotifyListener(address: string): Promise<NotifyListener> {
  const child = spawn("/usr/bin/python3", ["-u", LISTENER, address], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const received: NotifyDatagram[] = [];
  const waiters = new Set<() => void>();
  const lines = createInterface({ input: child.stdout! });
  let listening: () => void = () => {};
  const ready = new Promise<void>((resolve) => (listening = resolve));
  lines.on("line", (line) => {
    const msg = JSON.parse(line) as NotifyDatagram | { listening: string };
    if ("listening" in msg) return listening();
    received.push(msg);
    for (const w of waiters) w();
  });
  await Promise.race([
    ready,
    once(child, "exit").then(() => Promise.reject(new Error("notify listener exited"))),
  ]);
  const messages = () => received.filter((d) => d.data !== "BARRIER=1");
  return {
    address,
    received,
    messages,
    async waitFor(pred, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const hit = messages().find(pred);
        if (hit) return hit;
        await new Promise<void>((resolve) => {
          waiters.add(resolve);
          setTimeout(resolve, 50).unref();
        }).finally(() => waiters.clear());
      }
      throw new Error(
        `no matching notification within ${timeoutMs} ms; got ${JSON.stringify(messages().map((m) => m.data))}`,
      );
    },
    close: () => stop(child),
  };
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

/** A node child that runs `code`; resolves once it printed "up". */
export async function nodeChild(code: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["-e", `${code}; console.log("up")`], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    lines.once("line", () => resolve());
    child.once("exit", () => reject(new Error("child exited early")));
  });
  return child;
}

export async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}
