import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { renderJson, renderText, textStyleFor } from "../../src/doctor/render.ts";
import { buildReport } from "../../src/doctor/report.ts";
import { runChecks } from "../../src/doctor/runner.ts";
import type { Check, CheckOutcome } from "../../src/doctor/types.ts";
import { fakeEngine, fakeHost, options } from "./fakes.ts";

const fixed = (id: string, status: CheckOutcome["status"], figure = `${id} figure`): Check => ({
  id,
  title: id,
  run: async () => ({ status, figure, detail: "d", action: status === "ok" ? "" : `fix ${id}` }),
});

describe("runner", () => {
  const deps = () => ({
    engine: fakeEngine(),
    host: fakeHost(),
    options: options({ checkTimeoutMs: 50 }),
  });

  test("a check that hangs fails at its time limit and the others still report", async () => {
    const hang: Check = { id: "hang", title: "Hang", run: () => new Promise(() => {}) };
    const [h, o] = await runChecks([hang, fixed("quick", "ok")], deps());
    assert.equal(h!.status, "fail");
    assert.equal(h!.figure, "no answer within 50 ms");
    assert.equal(o!.status, "ok");
  });

  test("the time limit aborts the check's signal", async () => {
    let aborted = false;
    const listening: Check = {
      id: "l",
      title: "L",
      run: (ctx) => new Promise(() => ctx.signal.addEventListener("abort", () => (aborted = true))),
    };
    await runChecks([listening], deps());
    assert.equal(aborted, true);
  });

  test("a check that throws fails with the error text", async () => {
    const boom: Check = {
      id: "b",
      title: "B",
      run: async () => {
        throw new Error("kaput");
      },
    };
    const [r] = await runChecks([boom], deps());
    assert.equal(r!.status, "fail");
    assert.match(r!.detail, /kaput/);
  });

  test("checks run concurrently and results keep the declared order", async () => {
    let running = 0;
    let peak = 0;
    const slow = (id: string): Check => ({
      id,
      title: id,
      run: async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 10));
        running--;
        return { status: "ok", figure: id, detail: "", action: "" };
      },
    });
    const out = await runChecks([slow("a"), slow("b"), slow("c")], deps());
    assert.deepEqual(
      out.map((o) => o.id),
      ["a", "b", "c"],
    );
    assert.equal(peak, 3);
  });

  test("engine reads are shared between checks", async () => {
    let calls = 0;
    const engine = fakeEngine({
      containers: async () => {
        calls++;
        return [];
      },
    });
    const reader = (id: string): Check => ({
      id,
      title: id,
      run: async (ctx) => {
        await ctx.shared.containers();
        return { status: "ok", figure: "", detail: "", action: "" };
      },
    });
    await runChecks([reader("a"), reader("b")], { ...deps(), engine });
    assert.equal(calls, 1);
  });
});

describe("report and exit code", () => {
  const outcome = (id: string, status: CheckOutcome["status"]): CheckOutcome => ({
    id,
    title: id,
    status,
    figure: "f",
    detail: "d",
    action: "a",
    durationMs: 1,
  });
  const at = new Date("2026-11-23T10:00:00Z");
  test("worst status decides: skip counts as ok", () => {
    assert.equal(buildReport([outcome("a", "ok"), outcome("b", "skip")], at, "h").exitCode, 0);
    assert.equal(buildReport([outcome("a", "ok"), outcome("b", "warn")], at, "h").exitCode, 1);
    const r = buildReport([outcome("a", "fail"), outcome("b", "warn")], at, "h");
    assert.equal(r.exitCode, 2);
    assert.equal(r.worst, "fail");
    assert.deepEqual(r.counts, { ok: 0, warn: 1, fail: 1, skip: 0 });
  });
});

describe("render", () => {
  const report = buildReport(
    [
      {
        id: "engine",
        title: "Engine",
        status: "ok",
        figure: "27.5.1",
        detail: "",
        action: "",
        durationMs: 1,
      },
      {
        id: "data-space",
        title: "Data partitions",
        status: "fail",
        figure: "/mnt/data 0 B free of 1.0 GiB (0%)",
        detail: "",
        action: "Free space now",
        durationMs: 2,
      },
    ],
    new Date("2026-11-23T10:00:00Z"),
    "dev1",
  );

  test("text: aligned columns, action under a failing check, no colour when asked", () => {
    const text = renderText(report, { color: false, width: 100 });
    assert.equal(
      text,
      [
        "edgevisor doctor — dev1, 2026-11-23T10:00:00.000Z",
        "",
        "OK    Engine           27.5.1",
        "FAIL  Data partitions  /mnt/data 0 B free of 1.0 GiB (0%)",
        "                       → Free space now",
        "",
        "1 ok, 0 warn, 1 fail, 0 skipped — exit 2",
        "Details of every check: edgevisor doctor --json",
        "",
      ].join("\n"),
    );
  });

  test("text: long figures are cut to the terminal width", () => {
    const text = renderText(report, { color: false, width: 40 });
    const line = text.split("\n").find((l) => l.startsWith("FAIL"))!;
    assert.equal(line, "FAIL  Data partitions  /mnt/data 0 B fr…");
    assert.equal(line.length, 40);
  });

  test("colour only on a TTY without NO_COLOR", () => {
    assert.equal(textStyleFor({ isTTY: true, columns: 80 }, {}).color, true);
    assert.equal(textStyleFor({ isTTY: true }, { NO_COLOR: "1" }).color, false);
    assert.equal(textStyleFor({ isTTY: false }, {}).color, false);
    assert.ok(renderText(report, { color: true, width: 80 }).includes("\x1b[31mFAIL\x1b[0m"));
  });

  test("JSON: the report as is", () => {
    const parsed = JSON.parse(renderJson(report));
    assert.equal(parsed.schemaVersion, 1);
    assert.equal(parsed.exitCode, 2);
    assert.deepEqual(Object.keys(parsed.checks[0]).sort(), [
      "action",
      "detail",
      "durationMs",
      "figure",
      "id",
      "status",
      "title",
    ]);
  });
});
