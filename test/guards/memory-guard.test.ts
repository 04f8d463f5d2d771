import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  describeOoms,
  OomLog,
  oomRecordOf,
  oomReport,
  servicesWithoutLimit,
} from "../../src/guards/memory-guard.ts";
import type { EngineEvent } from "../../src/engine/types.ts";
import { release, service } from "../support/release-builders.ts";

const HOUR = 3_600_000;
const T = Date.parse("2026-12-01T12:00:00Z");
const ev = (action: string, svc?: string, type = "container"): EngineEvent => ({
  type,
  action,
  id: `${svc ?? "none"}-container`,
  labels: svc ? { "io.edgevisor.service": svc, "io.edgevisor.managed": "true" } : {},
});

describe("memory guard", () => {
  test("only container oom events of a service become records", () => {
    assert.deepEqual(oomRecordOf(ev("oom", "web"), T), {
      service: "web",
      time: T,
      container: "web-container",
    });
    assert.equal(oomRecordOf(ev("die", "web"), T), undefined);
    assert.equal(oomRecordOf(ev("oom"), T), undefined);
    assert.equal(oomRecordOf(ev("oom", "web", "image"), T), undefined);
  });

  test("kills per service in the window, most first", () => {
    const r = oomReport(
      [
        { service: "db", time: T - 10 },
        { service: "web", time: T - 20 },
        { service: "web", time: T - 5 },
        { service: "web", time: T - 2 * HOUR },
        { service: "cache", time: T + 1000 },
      ],
      T,
      HOUR,
    );
    assert.deepEqual(r, {
      windowMs: HOUR,
      total: 3,
      services: [
        { service: "web", count: 2, last: T - 5 },
        { service: "db", count: 1, last: T - 10 },
      ],
    });
    assert.equal(describeOoms(r), "web ×2, db ×1");
  });

  test("services without a memory limit, in release order", () => {
    const rel = release([
      service("web", { memLimit: 64 * 1024 * 1024 }),
      service("db"),
      service("worker", { memLimit: 0 }),
    ]);
    assert.deepEqual(servicesWithoutLimit(rel), ["db", "worker"]);
  });

  test("OomLog keeps only the window and reports", () => {
    const log = new OomLog(HOUR);
    assert.equal(log.onEvent(ev("start", "web"), T), undefined);
    log.onEvent(ev("oom", "web"), T - 2 * HOUR);
    log.onEvent(ev("oom", "web"), T - 100);
    assert.deepEqual(log.onEvent(ev("oom", "db"), T), {
      service: "db",
      time: T,
      container: "db-container",
    });
    assert.equal(log.report(T).total, 2);
    assert.equal(describeOoms(log.report(T)), "db ×1, web ×1");
  });

  test("several oom events of one incident (one per killed process) count once", () => {
    const log = new OomLog(HOUR);
    assert.ok(log.onEvent(ev("oom", "web"), T));
    assert.equal(log.onEvent(ev("oom", "web"), T + 50), undefined);
    assert.ok(log.onEvent(ev("oom", "web"), T + 60_000), "a later incident counts again");
    assert.equal(log.report(T + 60_000).total, 2);
  });
});
