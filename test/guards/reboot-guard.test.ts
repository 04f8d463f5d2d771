import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { EvError } from "../../src/errors.ts";
import {
  decideReboot,
  parseHistory,
  RebootGuard,
  type PowerRecord,
  type RebootPolicy,
} from "../../src/guards/reboot-guard.ts";

const HOUR = 3_600_000;
const T0 = Date.parse("2026-12-01T10:00:00Z");
const POLICY: RebootPolicy = { limit: 3, windowMs: HOUR };
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), "ev-reboot-"));
  dirs.push(d);
  return d;
}

const rec = (at: number, bootId = "b1"): PowerRecord => ({
  kind: "reboot",
  source: "api",
  at,
  bootId,
});

function guard(dir: string, boot: { id: string }, log: string[] = [], policy = POLICY) {
  return new RebootGuard({
    file: join(dir, "reboot-history.json"),
    bootId: async () => boot.id,
    log: (l) => log.push(l),
    policy,
  });
}

describe("reboot guard: decision", () => {
  test("below the limit is allowed", () => {
    assert.deepEqual(decideReboot([], T0, POLICY), { allowed: true, recent: 0 });
    assert.deepEqual(decideReboot([rec(T0 - 1000), rec(T0 - 2000)], T0, POLICY), {
      allowed: true,
      recent: 2,
    });
  });

  test("at the limit is refused until the oldest counted record leaves the window", () => {
    const d = decideReboot([rec(T0 - 50 * 60_000), rec(T0 - 20 * 60_000), rec(T0)], T0, POLICY);
    assert.deepEqual(d, { allowed: false, recent: 3, allowedAt: T0 + 10 * 60_000 });
  });

  test("records outside the window do not count", () => {
    const old = [rec(T0 - 2 * HOUR), rec(T0 - HOUR - 1), rec(T0 - HOUR)];
    assert.deepEqual(decideReboot(old, T0, POLICY), { allowed: true, recent: 0 });
  });

  test("records after now (clock went back) count as recent", () => {
    const future = [rec(T0 + 5 * HOUR), rec(T0 + 5 * HOUR), rec(T0 + 5 * HOUR)];
    const d = decideReboot(future, T0, POLICY);
    assert.equal(d.allowed, false);
  });

  test("with more records than the limit, allowed again when enough have expired", () => {
    const many = [1, 2, 3, 4, 5].map((m) => rec(T0 - 60 * 60_000 + m * 60_000));
    const d = decideReboot(many, T0, POLICY);
    // 5 recent, limit 3: the 3rd newest (minute 3) must leave the window.
    assert.deepEqual(d, { allowed: false, recent: 5, allowedAt: T0 + 3 * 60_000 });
  });
});

describe("reboot guard: persisted history", () => {
  test("a reboot storm: the first N are accepted, the rest refused, across a restart", async () => {
    const dir = stateDir();
    const boot = { id: "boot-a" };
    const log: string[] = [];
    const g = guard(dir, boot, log);
    const verdicts = [];
    for (let i = 0; i < 10; i++) verdicts.push(await g.check("reboot", T0 + i * 1000));
    assert.deepEqual(
      verdicts.map((v) => v.allowed),
      [true, true, true, false, false, false, false, false, false, false],
    );
    const refused = verdicts[3]!;
    assert.equal(refused.allowed, false);
    if (!refused.allowed) {
      assert.ok(refused.error instanceof EvError);
      assert.equal(refused.error.code, "EV_REBOOT_LOOP");
      assert.equal(refused.error.httpStatus, 429);
      assert.match(
        refused.error.message,
        /^reboot refused: 3 reboot\/shutdown requests accepted in the last 1 h \(limit 3\); allowed again at 2026-12-01T11:00:00\.000Z \(in 60 min\)$/,
      );
    }
    assert.equal(log.filter((l) => l.includes(" refused: ")).length, 7);
    assert.equal(log.filter((l) => l.includes(" accepted (")).length, 3);

    // The device reboots: a new guard, a new boot id, the same file.
    boot.id = "boot-b";
    const g2 = guard(dir, boot);
    const afterBoot = await g2.check("shutdown", T0 + 30 * 60_000);
    assert.equal(afterBoot.allowed, false);
    const history = await g2.history();
    assert.equal(history.length, 3);
    assert.ok(history.every((r) => r.bootedSince && r.bootId === "boot-a"));

    // An hour after the first one, one slot is free again.
    const later = await g2.check("reboot", T0 + HOUR + 1);
    assert.equal(later.allowed, true);
    if (later.allowed) assert.equal(later.bootId, "boot-b");
  });

  test("writes only when a request is accepted, atomically, as JSON", async () => {
    const dir = stateDir();
    const file = join(dir, "reboot-history.json");
    const g = guard(dir, { id: "b" }, [], { limit: 1, windowMs: HOUR });
    assert.equal(existsSync(file), false);
    await g.check("reboot", T0);
    const first = statSync(file);
    const text = readFileSync(file, "utf8");
    assert.deepEqual(JSON.parse(text), {
      version: 1,
      records: [{ kind: "reboot", source: "api", at: T0, bootId: "b" }],
    });
    for (let i = 1; i <= 5; i++) assert.equal((await g.check("reboot", T0 + i)).allowed, false);
    const second = statSync(file);
    assert.equal(second.mtimeMs, first.mtimeMs);
    assert.equal(second.ino, first.ino);
    assert.equal(readFileSync(file, "utf8"), text);
  });

  test("records that left the window are dropped on the next write", async () => {
    const dir = stateDir();
    const file = join(dir, "reboot-history.json");
    writeFileSync(
      file,
      JSON.stringify({ version: 1, records: [rec(T0 - 5 * HOUR), rec(T0 - 10 * 60_000)] }),
    );
    const g = guard(dir, { id: "b2" });
    assert.equal((await g.check("reboot", T0, "agent")).allowed, true);
    const doc = JSON.parse(readFileSync(file, "utf8")) as { records: PowerRecord[] };
    assert.deepEqual(
      doc.records.map((r) => [r.at, r.source]),
      [
        [T0 - 10 * 60_000, "api"],
        [T0, "agent"],
      ],
    );
  });

  test("concurrent requests cannot both take the last slot", async () => {
    const g = guard(stateDir(), { id: "b" }, [], { limit: 2, windowMs: HOUR });
    const all = await Promise.all([1, 2, 3, 4].map((i) => g.check("reboot", T0 + i)));
    assert.deepEqual(
      all.map((v) => v.allowed),
      [true, true, false, false],
    );
  });

  test("enforce throws the EvError on refusal", async () => {
    const g = guard(stateDir(), { id: "b" }, [], { limit: 1, windowMs: 60_000 });
    await g.enforce("shutdown", T0);
    await assert.rejects(g.enforce("shutdown", T0 + 1), (e: EvError) => {
      assert.equal(e.code, "EV_REBOOT_LOOP");
      assert.match(e.message, /^shutdown refused: 1 .* last 1 min .* \(in 60 s\)$/);
      return true;
    });
  });

  test("an unreadable history is logged and replaced on the next accepted request", async () => {
    const dir = stateDir();
    writeFileSync(join(dir, "reboot-history.json"), "{not json");
    const log: string[] = [];
    const g = guard(dir, { id: "b" }, log);
    assert.equal((await g.check("reboot", T0)).allowed, true);
    assert.match(log[0]!, /unreadable; starting a new history/);
    assert.equal(parseHistory(readFileSync(join(dir, "reboot-history.json"), "utf8"))?.length, 1);
  });

  test("a policy without room is a usage error", () => {
    assert.throws(() => guard(stateDir(), { id: "b" }, [], { limit: 0, windowMs: HOUR }), {
      code: "EV_USAGE",
    });
  });

  test("parseHistory keeps only well-formed records", () => {
    assert.equal(parseHistory("[]"), undefined);
    assert.equal(parseHistory('{"version":2,"records":[]}'), undefined);
    assert.deepEqual(
      parseHistory(
        JSON.stringify({ version: 1, records: [rec(1), { kind: "halt", at: 2 }, null, 3] }),
      ),
      [rec(1)],
    );
  });
});
