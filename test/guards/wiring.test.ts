import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { EvError } from "../../src/errors.ts";
import { createGuards, guardedFetch } from "../../src/guards/wiring.ts";
import { release, service } from "../support/release-builders.ts";

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), "ev-guards-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function guards(freeMiB: number) {
  const engine = {
    dataRoot: async () => "/data",
    imageUsage: async () => [
      { id: "i2", refs: ["app/web:2"], sizeBytes: 100 * MiB, labels: {}, containers: 1 },
    ],
    removeImage: async () => {},
  };
  const host = {
    statfs: async () => ({
      totalBytes: 1000 * MiB,
      availableBytes: freeMiB * MiB,
      totalInodes: 1,
      freeInodes: 1,
    }),
    ntp: async () => ({ synced: true as const, source: "fake" }),
  };
  return createGuards({ stateDir: dir, lockDir: dir, dockerHost: "unix:///x" }, engine, () => {}, {
    host,
    reserveBytes: () => 100 * MiB,
    reboot: { limit: 1, windowMs: 60_000 },
  });
}

const target = release([service("web", { image: "app/web:3" })]);
const rollback = release([service("web", { image: "app/web:2" })]);

test("guardedFetch fetches when the space is there", async () => {
  const g = guards(400);
  const fetched: string[] = [];
  const fetch = guardedFetch(
    g.disk,
    () => ({ target, rollback }),
    async (s) => {
      fetched.push(s.image);
    },
  );
  await fetch(target.services.web!, () => {}, new AbortController().signal);
  assert.deepEqual(fetched, ["app/web:3"]);
});

test("guardedFetch refuses before fetching when it is not", async () => {
  const g = guards(150);
  let called = false;
  const fetch = guardedFetch(
    g.disk,
    () => ({ target, rollback }),
    async () => {
      called = true;
    },
  );
  await assert.rejects(
    fetch(target.services.web!, () => {}, new AbortController().signal),
    (e: EvError) => e.code === "EV_INSUFFICIENT_SPACE",
  );
  assert.equal(called, false);
});

test("createGuards: the reboot history goes to the state dir; the clock uses the host's NTP", async () => {
  const g = guards(400);
  assert.equal((await g.reboot.check("reboot", Date.now())).allowed, true);
  assert.equal((await g.reboot.check("reboot", Date.now())).allowed, false);
  assert.equal((await g.reboot.history()).length, 1);
  const clock = await g.clock.assess();
  assert.equal(clock.deferTls, false);
  assert.match(clock.message, /NTP synchronised$/);
  assert.equal(g.ooms.report(Date.now()).total, 0);
});
