import assert from "node:assert/strict";
import { test } from "node:test";
import { shellSplit } from "../../src/release/shell-split.ts";

function words(text: string): string[] {
  const r = shellSplit(text);
  assert.ok(r.ok, r.ok ? "" : r.error);
  return r.words;
}

test("splits on whitespace like a shell", () => {
  assert.deepEqual(words("python -m  http.server\t8000"), ["python", "-m", "http.server", "8000"]);
  assert.deepEqual(words("  "), []);
});

test("single quotes are literal, double quotes allow escapes", () => {
  assert.deepEqual(words(`sh -c 'echo "$HOME" \\n'`), ["sh", "-c", 'echo "$HOME" \\n']);
  assert.deepEqual(words(`echo "a \\"b\\" \\\\ c"`), ["echo", 'a "b" \\ c']);
  assert.deepEqual(words(`echo "keep \\n"`), ["echo", "keep \\n"]);
  assert.deepEqual(words(`a'b'"c"d`), ["abcd"]);
  assert.deepEqual(words(`echo ''`), ["echo", ""]);
});

test("backslash escapes the next character outside quotes", () => {
  assert.deepEqual(words("echo a\\ b"), ["echo", "a b"]);
});

test("unterminated quotes are errors", () => {
  assert.deepEqual(shellSplit("echo 'oops"), { ok: false, error: "unterminated single quote" });
  assert.deepEqual(shellSplit('echo "oops'), { ok: false, error: "unterminated double quote" });
  assert.deepEqual(shellSplit("echo \\"), { ok: false, error: "trailing backslash" });
});
