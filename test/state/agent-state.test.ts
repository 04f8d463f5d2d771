import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { AgentStateStore } from "../../src/state/agent-state.ts";
import { release, service } from "../support/release-builders.ts";

test("state is written only when it changes, atomically, and read back", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ev-state-"));
  try {
    const store = new AgentStateStore(dir);
    await store.load();
    const r = release([service("web")]);
    assert.equal(
      await store.update((s) => ({
        ...s,
        target: { release: r, source: "x", force: false },
        status: "applying",
      })),
      true,
    );
    const first = await stat(store.file);
    assert.equal(
      await store.update((s) => ({ ...s, status: "applying" })),
      false,
      "same content: no write",
    );
    assert.equal((await stat(store.file)).mtimeMs, first.mtimeMs);
    assert.deepEqual(await readdir(dir), ["state.json"], "no temp file left behind");

    const again = new AgentStateStore(dir);
    const loaded = await again.load();
    assert.equal(loaded.target?.release.services.web?.image, "web:1");
    assert.equal(await again.update((s) => s), false, "a freshly loaded store does not rewrite");
    assert.equal(JSON.parse(await readFile(store.file, "utf8")).status, "applying");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a damaged state file is a clear error naming the file", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "ev-state-"));
  try {
    await writeFile(path.join(dir, "state.json"), "{ not json");
    await assert.rejects(new AgentStateStore(dir).load(), (e: Error & { code?: string }) => {
      assert.equal(e.code, "EV_STATE_CORRUPT");
      assert.match(e.message, /state\.json/);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
