// The text view draws progress bars on a terminal (cli-progress, loaded only then) and prints
// one line per phase change otherwise.
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createStepView } from "../../src/cli/step-view.ts";

function fakeOut(tty: boolean) {
  const out = new PassThrough() as PassThrough & Record<string, unknown>;
  let text = "";
  out.on("data", (d: Buffer) => (text += d.toString()));
  Object.assign(out, {
    isTTY: tty,
    columns: 100,
    cursorTo: () => true,
    moveCursor: () => true,
    clearLine: () => true,
    clearScreenDown: () => true,
  });
  return { out: out as unknown as NodeJS.WriteStream, text: () => text };
}

test("a terminal gets a progress bar, a pipe gets phase lines", async () => {
  const ci = process.env.CI;
  delete process.env.CI; // the view draws no bars under CI
  try {
    const tty = fakeOut(true);
    const view = createStepView({ json: false, out: tty.out });
    view.progress({
      subject: "img:1",
      phase: "pull",
      current: 5,
      total: 10,
      detail: "Downloading",
    });
    await sleep(300); // cli-progress redraws on a timer
    view.close();
    assert.match(tty.text(), /img:1 \[[^\]]+\] 50%/);

    const pipe = fakeOut(false);
    const plain = createStepView({ json: false, out: pipe.out });
    plain.progress({ subject: "img:1", phase: "pull", detail: "Pull complete" });
    plain.progress({ subject: "img:1", phase: "pull", detail: "Pull complete" });
    plain.close();
    assert.equal(pipe.text(), "  img:1: Pull complete\n");
  } finally {
    if (ci !== undefined) process.env.CI = ci;
  }
});
