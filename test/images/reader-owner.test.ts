// When a reader container counts as left behind by a killed loader.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import {
  leftBehind,
  makerLabel,
  processAlive,
  READER_MAX_AGE_MS,
  thisMaker,
  UNLABELLED_MAX_AGE_MS,
} from "../../src/images/reader-owner.ts";

const self = { boot: "b-1", pid: 100 };
const now = new Date("2026-12-08T12:00:00Z");
const ago = (ms: number) => new Date(now.getTime() - ms);
const alive = (running: number[]) => (pid: number) => running.includes(pid);

test("a reader whose maker (same boot) has exited is left behind; a running maker's is not", () => {
  assert.equal(leftBehind("b-1:200", ago(1000), now, self, alive([])), true);
  assert.equal(leftBehind("b-1:200", ago(1000), now, self, alive([200])), false);
});

test("this process's own readers are never left behind (concurrent loads)", () => {
  assert.equal(leftBehind("b-1:100", ago(1000), now, self, alive([])), false);
});

test("a reader from before a reboot is left behind", () => {
  assert.equal(leftBehind("b-0:200", ago(1000), now, self, alive([200])), true);
});

test("age rules: a day for anyone's, an hour for readers without a maker", () => {
  assert.equal(leftBehind("b-1:200", ago(READER_MAX_AGE_MS + 1), now, self, alive([200])), true);
  assert.equal(leftBehind("1", ago(UNLABELLED_MAX_AGE_MS - 1000), now, self, alive([])), false);
  assert.equal(leftBehind("1", ago(UNLABELLED_MAX_AGE_MS + 1), now, self, alive([])), true);
  // No boot id known (not Linux): only the age rules.
  const noBoot = { boot: "", pid: 100 };
  assert.equal(leftBehind(":200", ago(1000), now, noBoot, alive([])), false);
});

test("this machine: a label names our boot and pid; an exited child is not alive", () => {
  const me = thisMaker();
  assert.equal(makerLabel(me), `${me.boot}:${process.pid}`);
  assert.match(me.boot, /^[0-9a-f-]{36}$/);
  assert.equal(processAlive(process.pid), true);
  const child = spawnSync(process.execPath, ["-e", "0"]);
  assert.equal(processAlive(child.pid!), false);
});
