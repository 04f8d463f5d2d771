import assert from "node:assert/strict";
import { test } from "node:test";
import { parseByteSize, parseDuration } from "../../src/release/units.ts";

test("durations in Go syntax become whole milliseconds", () => {
  assert.equal(parseDuration("1m30s"), 90_000);
  assert.equal(parseDuration("10s"), 10_000);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("2h"), 7_200_000);
  assert.equal(parseDuration("1h2m3s4ms"), 3_723_004);
  assert.equal(parseDuration("1500us"), 2);
  assert.equal(parseDuration("0"), 0);
});

test("durations without a unit or with junk are rejected", () => {
  for (const bad of ["", "10", "5 minutes", "1m30", "s", "-1s", "1d", "1m 30s"]) {
    assert.equal(parseDuration(bad), undefined, bad);
  }
});

test("byte sizes use binary units like docker", () => {
  assert.equal(parseByteSize("512m"), 512 * 1024 ** 2);
  assert.equal(parseByteSize("1.5g"), 1.5 * 1024 ** 3);
  assert.equal(parseByteSize("1G"), 1024 ** 3);
  assert.equal(parseByteSize("64mb"), 64 * 1024 ** 2);
  assert.equal(parseByteSize("1GiB"), 1024 ** 3);
  assert.equal(parseByteSize("100k"), 102_400);
  assert.equal(parseByteSize("1024"), 1024);
  assert.equal(parseByteSize("10b"), 10);
  assert.equal(parseByteSize(2048), 2048);
  assert.equal(parseByteSize("0.5k"), 512);
});

test("invalid byte sizes are rejected", () => {
  for (const bad of ["lots", "", "12x", "-1m", "1.2.3m", "m"])
    assert.equal(parseByteSize(bad), undefined, bad);
  assert.equal(parseByteSize(-5), undefined);
  assert.equal(parseByteSize(Number.NaN), undefined);
});
