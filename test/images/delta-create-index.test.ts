// The base catalog must only offer files a created container of the base shows as they
// are in the image: the decoder reads base files through such a container.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { RootfsIndex, shadowedInContainer } from "../../src/images/rootfs-index.ts";
import { makeTar, withTmp } from "../delta/support.ts";

test("files the engine replaces in every container are not offered as sources", () =>
  withTmp(async (dir) => {
    await writeFile(
      join(dir, "0.tar"),
      await makeTar([
        { name: "etc/hostname", body: "deb\n" },
        { name: "etc/hosts", body: "127.0.0.1 localhost\n" },
        { name: "etc/resolv.conf", body: "nameserver 1.1.1.1\n" },
        { name: ".dockerenv", body: "x" },
        { name: "dev/null-ish", body: "x" },
        { name: "etc/hostname.bak", body: "deb\n" },
        { name: "etc/os-release", body: "v1\n" },
      ]),
    );
    const index = await RootfsIndex.build([join(dir, "0.tar")]);
    try {
      for (const p of [
        "etc/hostname",
        "etc/hosts",
        "etc/resolv.conf",
        ".dockerenv",
        "dev/null-ish",
      ])
        assert.equal(index.byPath(p), undefined, p);
      // Same content elsewhere stays usable, by path and by digest.
      assert.equal(index.byPath("etc/hostname.bak")?.size, 4);
      assert.equal(
        index.bySha256(index.byPath("etc/hostname.bak")!.sha256)?.path,
        "etc/hostname.bak",
      );
      assert.equal(index.similar("etc/os-release")?.path, "etc/os-release");
      assert.equal(index.size, 2);
    } finally {
      await index.close();
    }
  }));

test("shadowedInContainer knows the per-container files and trees only", () => {
  assert.ok(shadowedInContainer("etc/resolv.conf"));
  assert.ok(shadowedInContainer("proc/cpuinfo"));
  assert.ok(!shadowedInContainer("etc/resolv.conf.d/x"));
  assert.ok(!shadowedInContainer("device/x"));
  assert.ok(!shadowedInContainer("usr/dev/x"));
});
