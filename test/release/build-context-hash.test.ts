// Build context hashing on real temp directories: same inputs, same tag; any change, new tag.
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { hashBuildContext } from "../../src/release/build-context-hash.ts";
import type { BuildSpec } from "../../src/release/types.ts";

let root: string;
let n = 0;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), "ev-build-hash-"));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh context with a Dockerfile, a source file and a .dockerignore. */
async function context(): Promise<BuildSpec> {
  const dir = path.join(root, `ctx${n++}`);
  await mkdir(path.join(dir, "src"), { recursive: true });
  await writeFile(path.join(dir, "Dockerfile"), "FROM alpine\nCOPY . /app\n");
  await writeFile(path.join(dir, "src", "main.sh"), "echo hi\n");
  await writeFile(
    path.join(dir, ".dockerignore"),
    "# comment line\n*.log\nnotes.md\ncache\nsrc/*.tmp\n",
  );
  return { context: dir, dockerfile: "Dockerfile", args: {}, labels: {} };
}

test("the hash is 12 hex digits and stable for an unchanged context", async () => {
  const build = await context();
  const first = await hashBuildContext(build);
  assert.match(first, /^[0-9a-f]{12}$/);
  assert.equal(await hashBuildContext(build), first);
});

test("two identical contexts in different places hash the same", async () => {
  const a = await context();
  const b = await context();
  assert.equal(await hashBuildContext(a), await hashBuildContext(b));
});

test("changing, adding or renaming a file changes the hash", async () => {
  const build = await context();
  const base = await hashBuildContext(build);
  await writeFile(path.join(build.context, "src", "main.sh"), "echo bye\n");
  const changed = await hashBuildContext(build);
  assert.notEqual(changed, base);
  await writeFile(path.join(build.context, "src", "extra.sh"), "");
  const added = await hashBuildContext(build);
  assert.notEqual(added, changed);
});

test("changing a file mode changes the hash", async () => {
  const build = await context();
  const base = await hashBuildContext(build);
  await chmod(path.join(build.context, "src", "main.sh"), 0o755);
  assert.notEqual(await hashBuildContext(build), base);
});

test("files matched by .dockerignore (exact paths and * globs) do not count", async () => {
  const build = await context();
  const base = await hashBuildContext(build);
  await writeFile(path.join(build.context, "debug.log"), "noise");
  await writeFile(path.join(build.context, "notes.md"), "todo");
  await mkdir(path.join(build.context, "cache"));
  await writeFile(path.join(build.context, "cache", "blob"), "x");
  await writeFile(path.join(build.context, "src", "scratch.tmp"), "x");
  assert.equal(await hashBuildContext(build), base);
  await writeFile(
    path.join(build.context, "src", "debug.log"),
    "not matched: *.log is anchored at the root",
  );
  assert.notEqual(await hashBuildContext(build), base);
});

test("dockerfile, args, target and labels are part of the hash", async () => {
  const build = await context();
  await writeFile(path.join(build.context, "Dockerfile.prod"), "FROM alpine\nCOPY . /app\n");
  const base = await hashBuildContext(build);
  assert.notEqual(await hashBuildContext({ ...build, dockerfile: "Dockerfile.prod" }), base);
  assert.notEqual(await hashBuildContext({ ...build, args: { V: "1" } }), base);
  assert.notEqual(await hashBuildContext({ ...build, target: "runtime" }), base);
  assert.notEqual(await hashBuildContext({ ...build, labels: { a: "b" } }), base);
  assert.equal(await hashBuildContext({ ...build, args: {} }), base);
});

test("an ignored Dockerfile still counts, symlinks count by target", async () => {
  const build = await context();
  await writeFile(path.join(build.context, ".dockerignore"), "Dockerfile\n");
  const base = await hashBuildContext(build);
  await writeFile(path.join(build.context, "Dockerfile"), "FROM busybox\n");
  const changed = await hashBuildContext(build);
  assert.notEqual(changed, base);
  await symlink("src/main.sh", path.join(build.context, "link"));
  assert.notEqual(await hashBuildContext(build), changed);
});
