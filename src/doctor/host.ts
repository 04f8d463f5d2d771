// Everything the doctor reads from this machine, behind one small interface so checks are
// tested with literal fakes. The Linux implementation only ever opens files for reading.
import { execFile } from "node:child_process";
import { lookup } from "node:dns/promises";
import { constants, existsSync } from "node:fs";
import { open, statfs } from "node:fs/promises";
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export interface FsSpace {
  totalBytes: number;
  /** Bytes an unprivileged writer can still use (statfs bavail). */
  availableBytes: number;
  totalInodes: number;
  freeInodes: number;
}

export type NtpState =
  | { synced: true; source: string }
  | { synced: false; source: string }
  | { synced: "unknown"; source: string };

export interface HostProbe {
  exists(path: string): boolean;
  /** The file's text, or undefined when it does not exist. */
  readText(path: string, signal?: AbortSignal): Promise<string | undefined>;
  statfs(path: string): Promise<FsSpace>;
  ntp(signal?: AbortSignal): Promise<NtpState>;
  resolve(host: string, signal?: AbortSignal): Promise<string[]>;
  /** One TCP connection attempt; resolves with the time it took, rejects on error/timeout. */
  connect(address: string, port: number, timeoutMs: number): Promise<number>;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  monotonicMs(): number;
}

export function linuxHost(): HostProbe {
  return {
    exists: (path) => existsSync(path),
    readText: readWithoutAtime,
    async statfs(path) {
      const s = await statfs(path);
      return {
        totalBytes: s.blocks * s.bsize,
        availableBytes: s.bavail * s.bsize,
        totalInodes: s.files,
        freeInodes: s.ffree,
      };
    },
    ntp: (signal) => linuxNtp(signal),
    async resolve(host) {
      const found = await lookup(host, { all: true });
      return found.map((a) => a.address);
    },
    connect: tcpConnect,
    sleep: (ms, signal) => sleep(ms, undefined, { signal }),
    monotonicMs: () => performance.now(),
  };
}

/**
 * Reading a file can write: with relatime, the first read after a change updates the
 * inode's access time, which dirties a metadata block. O_NOATIME avoids that; the kernel
 * allows it to the file's owner and root, everyone else falls back to a plain open.
 */
async function readWithoutAtime(path: string, signal?: AbortSignal): Promise<string | undefined> {
  const plain = constants.O_RDONLY;
  let handle;
  try {
    handle = await open(path, plain | constants.O_NOATIME).catch((e: NodeJS.ErrnoException) => {
      if (e.code === "EPERM") return open(path, plain);
      throw e;
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  try {
    return await handle.readFile({ encoding: "utf8", signal });
  } finally {
    await handle.close();
  }
}

async function linuxNtp(signal?: AbortSignal): Promise<NtpState> {
  const viaTimedatectl = await new Promise<string | undefined>((resolve) => {
    execFile(
      "timedatectl",
      ["show", "-p", "NTPSynchronized", "--value"],
      { timeout: 2000, signal, encoding: "utf8" },
      (err, stdout) => resolve(err ? undefined : stdout.trim()),
    );
  });
  if (viaTimedatectl === "yes") return { synced: true, source: "timedatectl" };
  if (viaTimedatectl === "no") return { synced: false, source: "timedatectl" };
  // systemd-timesyncd touches this file once it has synchronised the clock.
  const flag = "/run/systemd/timesync/synchronized";
  if (existsSync(flag)) return { synced: true, source: flag };
  return { synced: "unknown", source: "neither timedatectl nor timesyncd's flag answered" };
}

function tcpConnect(address: string, port: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(performance.now() - started);
    });
    socket.once("error", (e) => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    });
  });
}
