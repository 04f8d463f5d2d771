import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { demuxBuffer, demuxStream, FrameDecoder } from "../../../src/engine/api/demux.ts";

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

test("frames split at every byte boundary come out whole and in order", () => {
  const raw = Buffer.concat([
    frame(1, "out 1\n"),
    frame(2, "err ü\n"),
    frame(1, ""),
    frame(1, "x"),
  ]);
  for (let cut = 0; cut <= raw.length; cut++) {
    const d = new FrameDecoder();
    const frames = [...d.push(raw.subarray(0, cut)), ...d.push(raw.subarray(cut))];
    assert.deepEqual(
      frames.map((f) => [f.stream, f.payload.toString()]),
      [
        [1, "out 1\n"],
        [2, "err ü\n"],
        [1, ""],
        [1, "x"],
      ],
      `cut at ${cut}`,
    );
    assert.equal(d.pending, 0);
  }
});

test("an incomplete frame waits for the rest", () => {
  const d = new FrameDecoder();
  const f = frame(1, "hello");
  assert.deepEqual(d.push(f.subarray(0, 10)), []);
  assert.equal(d.pending, 10);
  assert.equal(d.push(f.subarray(10))[0]!.payload.toString(), "hello");
});

test("bytes that are not a multiplexed stream are an error, not garbage output", () => {
  assert.throws(() => new FrameDecoder().push(Buffer.from("plain tty output\n")), /stream id 112/);
});

test("demuxBuffer splits stdout from stderr and refuses a cut-off stream", () => {
  const raw = Buffer.concat([frame(1, "a"), frame(2, "B"), frame(1, "c")]);
  const { stdout, stderr } = demuxBuffer(raw);
  assert.equal(stdout.toString(), "ac");
  assert.equal(stderr.toString(), "B");
  assert.throws(() => demuxBuffer(raw.subarray(0, raw.length - 1)), /cut off inside a frame/);
});

test("demuxStream reads a chunked stream to its end", async () => {
  const raw = Buffer.concat([frame(2, "warn\n"), frame(1, "42\n")]);
  const chunks = [raw.subarray(0, 3), raw.subarray(3, 12), raw.subarray(12)];
  const { stdout, stderr } = await demuxStream(Readable.from(chunks));
  assert.equal(stdout.toString(), "42\n");
  assert.equal(stderr.toString(), "warn\n");
});
