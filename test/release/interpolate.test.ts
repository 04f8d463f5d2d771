import assert from "node:assert/strict";
import { test } from "node:test";
import { interpolate } from "../../src/release/interpolate.ts";

const env: Record<string, string> = { NAME: "web", EMPTY: "", PORT: "8080" };
const lookup = (k: string) => env[k];

function value(text: string): string {
  const r = interpolate(text, lookup);
  assert.ok(r.ok, r.ok ? "" : r.error);
  return r.value;
}

function error(text: string): string {
  const r = interpolate(text, lookup);
  assert.ok(!r.ok, `expected an error for ${text}`);
  return r.error;
}

test("$VAR and ${VAR}", () => {
  assert.equal(value("$NAME:${PORT}"), "web:8080");
  assert.equal(value("pre-${NAME}-post"), "pre-web-post");
  assert.equal(value("$NAME.local"), "web.local");
  assert.equal(value("no vars here"), "no vars here");
});

test("$$ is a literal dollar and is not expanded", () => {
  assert.equal(value("cost $$5"), "cost $5");
  assert.equal(value("$${NAME}"), "${NAME}");
  assert.equal(value("$$NAME"), "$NAME");
});

test("defaults: :- on unset or empty, - only on unset", () => {
  assert.equal(value("${MISSING:-dflt}"), "dflt");
  assert.equal(value("${EMPTY:-dflt}"), "dflt");
  assert.equal(value("${NAME:-dflt}"), "web");
  assert.equal(value("${MISSING-dflt}"), "dflt");
  assert.equal(value("${EMPTY-dflt}"), "");
  assert.equal(value("${MISSING:-}"), "");
});

test("defaults may contain variables", () => {
  assert.equal(value("${MISSING:-${NAME}:${PORT}}"), "web:8080");
  assert.equal(value("${MISSING:-${ALSO_MISSING:-deep}}"), "deep");
});

test("alternatives: :+ when set and non-empty, + when set", () => {
  assert.equal(value("${NAME:+yes}"), "yes");
  assert.equal(value("${EMPTY:+yes}"), "");
  assert.equal(value("${EMPTY+yes}"), "yes");
  assert.equal(value("${MISSING+yes}"), "");
});

test("required: :? fails on unset or empty, ? only on unset", () => {
  assert.match(
    error("${MISSING:?set it please}"),
    /required variable MISSING is not set: set it please/,
  );
  assert.match(error("${EMPTY:?must not be empty}"), /EMPTY is empty: must not be empty/);
  assert.equal(value("${EMPTY?x}"), "");
  assert.match(error("${MISSING?x}"), /MISSING is not set/);
  assert.equal(value("${NAME:?x}"), "web");
});

test("unset variables without a default expand to empty and are reported", () => {
  const r = interpolate("a${MISSING}b$OTHER", lookup);
  assert.deepEqual(r, { ok: true, value: "ab", unset: ["MISSING", "OTHER"] });
});

test("malformed templates are errors", () => {
  assert.match(error("${NAME"), /never closed/);
  assert.match(error("${}"), /invalid interpolation format/);
  assert.match(error("${1X}"), /invalid interpolation format/);
  assert.match(error("${NAME%x}"), /invalid interpolation format/);
  assert.match(error("price: 5$"), /lone "\$"/);
  assert.match(error("$ 1"), /lone "\$"/);
});
