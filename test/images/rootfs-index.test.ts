import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { RootfsIndex } from "../../src/images/rootfs-index.ts";
import { encode, makeTar, sha256, withTmp } from "../delta/support.ts";

test("the base index applies whiteouts, opaque dirs, replacements and hard links", () =>
  withTmp(async (dir) => {
    const l0 = await makeTar([
      { name: "etc/a", body: "a0" },
      { name: "etc/b", body: "b0" },
      { name: "opt/x/1", body: "x1" },
      { name: "var/y/1", body: "y1" },
      { name: "lib", type: "directory" },
      { name: "lib/z", body: "z0" },
    ]);
    const l1 = await makeTar([
      { name: "etc/.wh.a", body: "" },
      { name: "etc/b", body: "b1" },
      { name: "opt/x/.wh..wh..opq", body: "" },
      { name: "opt/x/2", body: "x2" },
      { name: "var/y", type: "symlink", linkname: "/tmp" },
      { name: "lib/hard", type: "link", linkname: "lib/z" },
    ]);
    await writeFile(join(dir, "0.tar"), l0);
    await writeFile(join(dir, "1.tar"), l1);
    const index = await RootfsIndex.build([join(dir, "0.tar"), join(dir, "1.tar")]);
    try {
      assert.equal(index.byPath("etc/a"), undefined);
      assert.equal(index.byPath("etc/b")?.sha256, sha256(Buffer.from("b1")));
      assert.equal(index.byPath("opt/x/1"), undefined);
      assert.ok(index.byPath("opt/x/2"));
      assert.equal(index.byPath("var/y/1"), undefined);
      assert.equal(index.byPath("lib/hard")?.sha256, sha256(Buffer.from("z0")));
      const b = index.byPath("etc/b")!;
      assert.equal((await index.read(b, 0, 2)).toString(), "b1");
      assert.equal(index.bySha256(sha256(Buffer.from("x2")))?.path, "opt/x/2");
      assert.equal(index.similar("opt/x/3")?.path, "opt/x/2");
    } finally {
      await index.close();
    }
  }));

test("a renamed and modified file is found by its content chunks and patched", () =>
  withTmp(async (dir) => {
    const lib = randomBytes(200_000);
    const changed = Buffer.concat([
      lib.subarray(0, 90_000),
      Buffer.from("fix"),
      lib.subarray(90_000),
    ]);
    await writeFile(
      join(dir, "0.tar"),
      await makeTar([{ name: "usr/lib/libfoo.so.1", body: lib }]),
    );
    const index = await RootfsIndex.build([join(dir, "0.tar")]);
    try {
      const tar = await makeTar([{ name: "payload/f0", body: changed }]);
      const enc = await encode(dir, tar, index);
      assert.equal(enc.stats.files.patched, 1);
      assert.ok(enc.ops.ref.size + enc.lit.ref.size < 2000);
    } finally {
      await index.close();
    }
  }));
