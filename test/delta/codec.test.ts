import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { encodeLayerAgainstArchive } from "../../src/delta/encode-archive.ts";
import { MemoryBase, decode, encode, makeTar, withTmp } from "./support.ts";

const libOld = randomBytes(200_000);
const libNew = Buffer.concat([
  libOld.subarray(0, 100_000),
  Buffer.from("patched!"),
  libOld.subarray(100_008),
]);

test("a changed file is patched against its base version and rebuilt byte for byte", () =>
  withTmp(async (dir) => {
    const base = new MemoryBase({ "usr/lib/libx.so": libOld, "etc/os-release": "v1\n" });
    const tar = await makeTar([
      { name: "usr/", type: "directory" },
      { name: "usr/lib/libx.so", body: libNew },
      { name: "etc/os-release", body: "v2\n" },
    ]);
    const enc = await encode(dir, tar, base);
    assert.equal(enc.stats.files.patched, 2);
    assert.ok(
      enc.ops.ref.size + enc.lit.ref.size < 2000,
      `delta ${enc.ops.ref.size}+${enc.lit.ref.size}`,
    );
    assert.deepEqual(await decode(enc, base, tar), tar);
  }));

test("moved, new, deleted files and links", () =>
  withTmp(async (dir) => {
    const base = new MemoryBase({ "a/big.bin": libOld, "gone.txt": "bye" });
    const fresh = randomBytes(5000);
    const tar = await makeTar([
      { name: "b/moved.bin", body: libOld },
      { name: "new.bin", body: fresh },
      { name: "b/hard", type: "link", linkname: "b/moved.bin" },
      { name: "b/sym", type: "symlink", linkname: "../a/big.bin" },
      { name: ".wh.gone.txt", body: "" },
      { name: "empty", body: "" },
    ]);
    const enc = await encode(dir, tar, base);
    assert.equal(enc.stats.files.copied, 1);
    assert.equal(enc.stats.files.literal, 1);
    assert.deepEqual(await decode(enc, base, tar), tar);
  }));

test("a file larger than one segment is patched in bounded windows", () =>
  withTmp(async (dir) => {
    const big = randomBytes(20 << 20);
    const changed = Buffer.concat([
      randomBytes(3 << 20),
      big.subarray(1 << 20, 19 << 20),
      randomBytes(100),
    ]);
    const base = new MemoryBase({ "opt/app/node-v20.1.0": big });
    const tar = await makeTar([{ name: "opt/app/node-v20.2.0", body: changed }]);
    const enc = await encode(dir, tar, base);
    assert.equal(enc.stats.files.patched, 1);
    const shipped = enc.ops.ref.size + enc.lit.ref.size;
    assert.ok(shipped < 4 << 20, `delta ${shipped} bytes`);
    assert.deepEqual(await decode(enc, base, tar), tar);
  }));

test("long names (PAX) round trip", () =>
  withTmp(async (dir) => {
    const long = `${"d".repeat(120)}/${"f".repeat(120)}.js`;
    const base = new MemoryBase({ [long]: "console.log(1)\n".repeat(50) });
    const tar = await makeTar([{ name: long, body: "console.log(2)\n".repeat(50) }]);
    const enc = await encode(dir, tar, base);
    assert.equal(enc.stats.files.patched, 1);
    assert.deepEqual(await decode(enc, base, tar), tar);
  }));

test("a base that differs from the one encoded against is caught by the layer digest", () =>
  withTmp(async (dir) => {
    const base = new MemoryBase({ "x.bin": libOld });
    const tar = await makeTar([{ name: "y.bin", body: libOld }]);
    const enc = await encode(dir, tar, base);
    const other = new MemoryBase({ "x.bin": libNew });
    await assert.rejects(decode(enc, other, tar), { code: "EV_DIGEST_MISMATCH" });
  }));

test("a layer re-written under one directory is patched against the base's archive of it", () =>
  withTmp(async (dir) => {
    const files = Array.from({ length: 400 }, (_, i) => ({
      name: `app/node_modules/pkg${i}/index.js`,
      body: `module.exports = ${i};\n`.repeat(1 + (i % 7)),
    }));
    // The engine names entries from the directory's own name: "app/…" for /app.
    const reference = await makeTar([
      { name: "app/", type: "directory" },
      { name: "app/node_modules/", type: "directory" },
      ...files,
    ]);
    const changed = files.map((f, i) => (i % 50 === 3 ? { ...f, body: `${f.body}// v2\n` } : f));
    const tar = await makeTar([
      { name: "app/", type: "directory" },
      { name: "app/node_modules/", type: "directory" },
      ...changed,
    ]);
    const refFile = join(dir, "ref.tar");
    const newFile = join(dir, "new.tar");
    await writeFile(refFile, reference);
    await writeFile(newFile, tar);
    const enc = await encodeLayerAgainstArchive(
      newFile,
      { dir: "app", file: refFile },
      dir,
      "layer",
      { level: 3 },
    );
    const shipped = enc.ops.ref.size + enc.lit.ref.size;
    assert.ok(shipped < 400, `delta ${shipped} bytes for ${tar.length}`);
    const base = new MemoryBase({});
    base.archives.set("app", reference);
    assert.deepEqual(await decode(enc, base, tar), tar);
    const wrong = new MemoryBase({});
    wrong.archives.set(
      "app",
      Buffer.concat([reference.subarray(0, 5000), Buffer.alloc(reference.length - 5000)]),
    );
    await assert.rejects(decode(enc, wrong, tar), { code: "EV_DIGEST_MISMATCH" });
  }));
