import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { collectJsonLines, JsonLineError, jsonLines } from "../../../src/engine/api/json-lines.ts";

const bytes = (s: string) => Buffer.from(s);

test("objects split anywhere, even inside a multi-byte character, come out whole", async () => {
  const raw = bytes(
    '{"status":"Pulling ü"}\r\n\n{"progressDetail":{"current":1}}\n{"aux":{"ID":"x"}}',
  );
  for (let cut = 0; cut <= raw.length; cut++) {
    const got = await collectJsonLines(Readable.from([raw.subarray(0, cut), raw.subarray(cut)]));
    assert.deepEqual(
      got,
      [{ status: "Pulling ü" }, { progressDetail: { current: 1 } }, { aux: { ID: "x" } }],
      `cut at ${cut}`,
    );
  }
});

test("an empty stream has no objects", async () => {
  assert.deepEqual(await collectJsonLines(Readable.from([])), []);
});

test("a line that is not JSON fails with the line, after the good ones", async () => {
  const seen: unknown[] = [];
  await assert.rejects(
    (async () => {
      for await (const m of jsonLines(Readable.from([bytes('{"a":1}\n<html>oops</html>\n')])))
        seen.push(m);
    })(),
    (e: unknown) => e instanceof JsonLineError && e.line === "<html>oops</html>",
  );
  assert.deepEqual(seen, [{ a: 1 }]);
});

test("string chunks work as well as buffers", async () => {
  assert.deepEqual(await collectJsonLines(Readable.from(['{"x"', ":2}\n"])), [{ x: 2 }]);
});
