import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  assessClock,
  ClockMonitor,
  deferredTlsError,
  parseHttpDate,
} from "../../src/guards/clock-guard.ts";
import type { NtpState } from "../../src/doctor/host.ts";

const BUILD = new Date("2026-11-23T00:00:00Z");
const NOW = Date.parse("2026-12-01T12:00:00Z");

describe("clock guard: assessClock", () => {
  test("after the build date, NTP synchronised: ok", () => {
    assert.deepEqual(assessClock({ now: NOW, buildDate: BUILD, ntpSynced: true }), {
      plausible: true,
      status: "ok",
      deferTls: false,
      message: "clock is plausible (2026-12-01T12:00:00.000Z); NTP synchronised",
    });
  });

  test("before the build date: implausible, TLS deferred, whatever NTP says", () => {
    const a = assessClock({
      now: Date.parse("1970-01-01T00:01:00Z"),
      buildDate: BUILD,
      ntpSynced: false,
    });
    assert.equal(a.plausible, false);
    assert.equal(a.status, "before-build-date");
    assert.equal(a.deferTls, true);
    assert.equal(
      a.message,
      "clock says 1970-01-01T00:01:00.000Z, before this agent was built (2026-11-23); TLS work deferred until the clock is set; NTP not synchronised",
    );
  });

  test("plausible but NTP not synchronised: reported, TLS goes ahead", () => {
    const a = assessClock({ now: NOW, buildDate: BUILD, ntpSynced: false });
    assert.equal(a.status, "not-synchronised");
    assert.equal(a.deferTls, false);
    assert.match(a.message, /UDP 123/);
  });

  test("NTP unknown is not held against the clock", () => {
    const a = assessClock({ now: NOW, buildDate: BUILD, ntpSynced: "unknown" });
    assert.equal(a.status, "ok");
    assert.equal(a.message, "clock is plausible (2026-12-01T12:00:00.000Z)");
  });

  test("agrees with the fleet within a minute: ok with the drift", () => {
    const a = assessClock({
      now: NOW,
      buildDate: BUILD,
      fleetDate: new Date(NOW - 2000),
      ntpSynced: true,
    });
    assert.equal(a.status, "ok");
    assert.equal(a.driftMs, 2000);
    assert.equal(a.message, "clock agrees with the fleet's within 2 s; NTP synchronised");
  });

  test("drifting from the fleet: plausible, reported in words", () => {
    const a = assessClock({ now: NOW, buildDate: BUILD, fleetDate: new Date(NOW + 5 * 60_000) });
    assert.deepEqual(a, {
      plausible: true,
      status: "drifting",
      driftMs: -300_000,
      deferTls: false,
      message: "clock is 5 min behind the fleet's",
    });
  });

  test("a day or more from the fleet: implausible, TLS deferred", () => {
    const a = assessClock({
      now: NOW,
      buildDate: BUILD,
      fleetDate: new Date(NOW - 3 * 86_400_000),
      ntpSynced: false,
    });
    assert.equal(a.status, "far-from-fleet");
    assert.equal(a.deferTls, true);
    assert.equal(a.driftMs, 3 * 86_400_000);
    assert.equal(
      a.message,
      "clock is 3.0 days ahead of the fleet's (2026-11-28T12:00:00.000Z); TLS work deferred until the clock is set; NTP not synchronised",
    );
  });

  test("limits are configurable", () => {
    const a = assessClock({
      now: NOW,
      buildDate: BUILD,
      fleetDate: new Date(NOW - 10_000),
      limits: { warnDriftMs: 5_000, implausibleDriftMs: 60_000 },
    });
    assert.equal(a.status, "drifting");
  });

  test("deferred TLS work gets EV_CLOCK_IMPLAUSIBLE with the status as message", () => {
    const bad = assessClock({ now: 0, buildDate: BUILD });
    const e = deferredTlsError(bad);
    assert.equal(e?.code, "EV_CLOCK_IMPLAUSIBLE");
    assert.equal(e?.httpStatus, 503);
    assert.equal(e?.message, bad.message);
    assert.match(e!.hint!, /never sets the clock/);
    assert.equal(deferredTlsError(assessClock({ now: NOW, buildDate: BUILD })), undefined);
  });

  test("parseHttpDate", () => {
    assert.equal(parseHttpDate("Tue, 01 Dec 2026 12:00:00 GMT")?.getTime(), NOW);
    assert.equal(parseHttpDate("yesterday"), undefined);
    assert.equal(parseHttpDate(null), undefined);
  });
});

describe("clock guard: ClockMonitor", () => {
  function monitor(ntp: NtpState | Error) {
    const clock = { wall: NOW, mono: 1000 };
    const m = new ClockMonitor({
      ntp: async () => {
        if (ntp instanceof Error) throw ntp;
        return ntp;
      },
      wallMs: () => clock.wall,
      monotonicMs: () => clock.mono,
      buildDate: BUILD,
      fleetMaxAgeMs: 60_000,
    });
    return { m, clock };
  }

  test("uses the drift of the last fleet response while it is fresh", async () => {
    const { m, clock } = monitor({ synced: true, source: "timedatectl" });
    m.observeFleetDate("Sun, 29 Nov 2026 12:00:00 GMT"); // two days behind us
    clock.wall += 30_000;
    clock.mono += 30_000;
    const a = await m.assess();
    assert.equal(a.status, "far-from-fleet");
    assert.equal(a.driftMs, 2 * 86_400_000);
    clock.mono += 60_000; // the observation is now too old
    assert.equal((await m.assess()).status, "ok");
  });

  test("an NTP probe that fails counts as unknown", async () => {
    const { m } = monitor(new Error("no timedatectl"));
    const a = await m.assess();
    assert.equal(a.status, "ok");
    assert.equal(a.plausible, true);
  });

  test("a malformed Date header is ignored", async () => {
    const { m } = monitor({ synced: false, source: "x" });
    m.observeFleetDate("garbage");
    assert.equal((await m.assess()).driftMs, undefined);
  });
});
