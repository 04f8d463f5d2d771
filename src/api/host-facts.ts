// The host facts /v1/device reports (IP addresses, OS name), read from the OS — never from
// the engine — and cached briefly so a busy client does not make the API re-read them.
import { readFileSync } from "node:fs";
import os from "node:os";
import type { HostFacts } from "./views.ts";

export function hostFactsReader(cacheMs = 10_000, now: () => number = Date.now): () => HostFacts {
  let cached: { at: number; facts: HostFacts } | undefined;
  return () => {
    const t = now();
    if (!cached || t - cached.at > cacheMs) cached = { at: t, facts: readHostFacts() };
    return cached.facts;
  };
}

export function readHostFacts(): HostFacts {
  const ipAddresses = Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal && a.family === "IPv4")
    .map((a) => a.address);
  return { ipAddresses, osVersion: osPrettyName() };
}

function osPrettyName(): string | undefined {
  try {
    const text = readFileSync("/etc/os-release", "utf8");
    const m = /^PRETTY_NAME=(?:"([^"]*)"|(.*))$/m.exec(text);
    return m?.[1] ?? m?.[2];
  } catch {
    return undefined;
  }
}
