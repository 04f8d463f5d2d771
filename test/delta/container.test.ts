import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buffer } from "node:stream/consumers";
import { test } from "node:test";
import { pack } from "tar-stream";
import { looksLikeDelta, openDelta } from "../../src/delta/container.ts";
import { generateSigningKey, parsePublicKey } from "../../src/delta/signature.ts";
import { makeDelta } from "./delta-file.ts";
import { withTmp } from "./support.ts";

const digest = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

test("a well-formed delta opens, and is recognised as one", () =>
  withTmp(async (dir) => {
    const { file, manifest } = await makeDelta(dir);
    assert.ok(await looksLikeDelta(file));
    const d = await openDelta(file);
    assert.deepEqual(d.manifest, manifest);
    assert.equal(d.blobs.size, 1);
  }));

test("a bit flip anywhere in the file is rejected, naming what failed", () =>
  withTmp(async (dir) => {
    const { bytes } = await makeDelta(dir);
    const codes = new Set<string>();
    for (let at = 0; at < bytes.length; at += 37) {
      const copy = Buffer.from(bytes);
      copy[at] = copy[at]! ^ 0x10;
      const bad = join(dir, "bad.tar");
      await writeFile(bad, copy);
      const err = await openDelta(bad).then(
        () => undefined,
        (e: { code: string }) => e,
      );
      if (!err) {
        // Only the checksum field's leading zeros may turn into spaces unnoticed: same number.
        assert.ok(at % 512 >= 148 && at % 512 < 156, `flip at ${at} went unnoticed`);
        continue;
      }
      assert.match(
        err.code,
        /^EV_(DELTA_INVALID|DIGEST_MISMATCH|ARCHIVE_UNSAFE)$/,
        `flip at ${at}`,
      );
      codes.add(err.code);
    }
    assert.deepEqual([...codes].sort(), ["EV_DELTA_INVALID", "EV_DIGEST_MISMATCH"]);
  }));

test("every flipped byte inside a blob is caught by its digest", () =>
  withTmp(async (dir) => {
    const { bytes } = await makeDelta(dir);
    const d = await openDelta(join(dir, "delta.tar"));
    for (const [name, at] of d.blobs) {
      const copy = Buffer.from(bytes);
      copy[at.offset + Math.floor(at.size / 2)]! ^= 0x01;
      const bad = join(dir, "bad.tar");
      await writeFile(bad, copy);
      await assert.rejects(openDelta(bad), (e: { code: string; message: string }) => {
        assert.equal(e.code, "EV_DIGEST_MISMATCH");
        assert.ok(e.message.includes(name), e.message);
        return true;
      });
    }
  }));

test("a changed manifest is caught by manifest.json.sha256", () =>
  withTmp(async (dir) => {
    const { bytes } = await makeDelta(dir);
    const copy = Buffer.from(bytes);
    copy[bytes.indexOf(Buffer.from('"app:2"')) + 2] = "b".charCodeAt(0);
    const bad = join(dir, "bad.tar");
    await writeFile(bad, copy);
    await assert.rejects(openDelta(bad), (e: { code: string; message: string }) => {
      assert.equal(e.code, "EV_DIGEST_MISMATCH");
      assert.match(e.message, /manifest\.json does not match/);
      return true;
    });
  }));

test("truncation at any point is rejected", () =>
  withTmp(async (dir) => {
    const { bytes } = await makeDelta(dir);
    for (const cut of [
      10,
      511,
      512,
      1000,
      bytes.length - 1024,
      bytes.length - 1,
      bytes.length - 600,
    ]) {
      const bad = join(dir, "bad.tar");
      await writeFile(bad, bytes.subarray(0, cut));
      await assert.rejects(openDelta(bad), (e: { code: string }) => {
        assert.match(e.code, /^EV_(DELTA_INVALID|DIGEST_MISMATCH)$/, `cut at ${cut}`);
        return true;
      });
    }
  }));

test("signatures: required with trusted keys, checked against them", () =>
  withTmp(async (dir) => {
    const alice = generateSigningKey();
    const mallory = generateSigningKey();
    const trusted = [parsePublicKey(alice.publicPem, "alice")];
    const signed = await makeDelta(dir, { sign: alice.privatePem });
    const d = await openDelta(signed.file, { trustedKeys: trusted });
    assert.equal(d.signedBy, alice.keyId);

    const tampered = await makeDelta(dir, {
      sign: alice.privatePem,
      afterSigning: (m) => (m.target.repoTags = ["evil:1"]),
    });
    await assert.rejects(openDelta(tampered.file, { trustedKeys: trusted }), {
      code: "EV_DELTA_SIGNATURE",
      message: /does not verify/,
    });

    const other = await makeDelta(dir, { sign: mallory.privatePem });
    await assert.rejects(openDelta(other.file, { trustedKeys: trusted }), {
      code: "EV_DELTA_SIGNATURE",
      message: /not a trusted key/,
    });

    const unsigned = await makeDelta(dir);
    await assert.rejects(openDelta(unsigned.file, { trustedKeys: trusted }), {
      code: "EV_DELTA_SIGNATURE",
      message: /not signed/,
    });
  }));

async function tarOf(
  entries: Array<{ name: string; type?: "file" | "symlink"; linkname?: string; body?: string }>,
) {
  const t = pack();
  for (const e of entries)
    t.entry({ name: e.name, type: e.type ?? "file", linkname: e.linkname }, e.body ?? "");
  t.finalize();
  return buffer(t);
}

test("unsafe or unexpected entries are rejected before anything is read further", () =>
  withTmp(async (dir) => {
    const { manifest } = await makeDelta(dir);
    const m = JSON.stringify(manifest);
    const md = { name: "manifest.json.sha256", body: `${digest(Buffer.from(m))}\n` };
    const cases: Array<[string, Parameters<typeof tarOf>[0], RegExp]> = [
      [
        "absolute",
        [{ name: "manifest.json", body: m }, md, { name: "/etc/passwd", body: "x" }],
        /absolute/,
      ],
      [
        "dotdot",
        [{ name: "manifest.json", body: m }, md, { name: "blobs/../../x", body: "x" }],
        /\.\./,
      ],
      [
        "symlink",
        [
          { name: "manifest.json", body: m },
          md,
          { name: "blobs/sha256/x", type: "symlink", linkname: "/etc" },
        ],
        /type/,
      ],
      [
        "first not manifest",
        [{ name: "blobs/sha256/" + "a".repeat(64), body: "x" }],
        /first entry/,
      ],
      [
        "unlisted blob",
        [
          { name: "manifest.json", body: m },
          md,
          { name: "blobs/sha256/" + "c".repeat(64), body: "x" },
        ],
        /not listed/,
      ],
    ];
    for (const [label, entries, message] of cases) {
      const f = join(dir, `${label}.tar`);
      await writeFile(f, await tarOf(entries));
      await assert.rejects(openDelta(f), (e: { code: string; message: string }) => {
        assert.equal(e.code, "EV_ARCHIVE_UNSAFE", `${label}: ${e.message}`);
        assert.match(e.message, message, label);
        return true;
      });
    }
    void randomBytes;
  }));
