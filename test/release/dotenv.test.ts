import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDotenv } from "../../src/release/dotenv.ts";

test("parses KEY=VALUE lines, comments, export and quotes", () => {
  const text = [
    "# a comment",
    "",
    "PLAIN=value",
    "export EXPORTED=yes",
    "SPACED = padded value  # trailing comment",
    "SINGLE='literal $NOT ${EXPANDED}'",
    'DOUBLE="line1\\nline2 \\"q\\""',
    "EMPTY=",
    "HASH=a#b",
  ].join("\n");
  const r = parseDotenv(text);
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.vars, {
    PLAIN: "value",
    EXPORTED: "yes",
    SPACED: "padded value",
    SINGLE: "literal $NOT ${EXPANDED}",
    DOUBLE: 'line1\nline2 "q"',
    EMPTY: "",
    HASH: "a#b",
  });
});

test("values are interpolated from earlier keys, then the lookup", () => {
  const r = parseDotenv(
    "HOST=db\nURL=postgres://${HOST}:${PORT:-5432}/$NAME",
    (k) => ({ NAME: "app" })[k],
  );
  assert.equal(r.vars.URL, "postgres://db:5432/app");
});

test("malformed lines are reported with line and column", () => {
  const r = parseDotenv("OK=1\n  not a pair\n1BAD=x\nQ='open");
  assert.deepEqual(r.vars, { OK: "1" });
  assert.deepEqual(r.issues, [
    { line: 2, column: 3, message: 'expected KEY=VALUE, got "not a pair"' },
    { line: 3, column: 1, message: '"1BAD" is not a valid variable name' },
    { line: 4, column: 1, message: "Q: unterminated single quote" },
  ]);
});
