import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { checkArchive, scanArchive } from "../../src/images/archive.ts";
import { chainIds, sharedPrefix } from "../../src/images/digest.ts";
import { makeTar } from "../delta/support.ts";

const digest = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

async function saveLike(
  options: { layer?: Buffer; gzip?: boolean; extra?: Parameters<typeof makeTar>[0] } = {},
) {
  const layer = options.layer ?? (await makeTar([{ name: "etc/hello", body: "hi\n" }]));
  const config = JSON.stringify({ rootfs: { type: "layers", diff_ids: [digest(layer)] } });
  const id = digest(config);
  const hex = id.slice(7);
  const tar = await makeTar([
    { name: "abc/", type: "directory" },
    { name: "abc/layer.tar", body: options.gzip ? gzipSync(layer) : layer },
    { name: `${hex}.json`, body: config },
    ...(options.extra ?? []),
    {
      name: "manifest.json",
      body: JSON.stringify([
        { Config: `${hex}.json`, RepoTags: ["app:1"], Layers: ["abc/layer.tar"] },
      ]),
    },
  ]);
  return { tar, id, layer };
}

const scan = (tar: Buffer) => scanArchive(Readable.from([tar]), "test archive");

test("a docker-save archive checks out: config digest is the id, layer digests the DiffIDs", async () => {
  const { tar, id } = await saveLike();
  const [image] = checkArchive(await scan(tar), "test archive");
  assert.equal(image?.id, id);
  assert.deepEqual(image?.repoTags, ["app:1"]);
});

test("gzip layers are checked by their uncompressed digest", async () => {
  const { tar, id } = await saveLike({ gzip: true });
  assert.equal(checkArchive(await scan(tar), "a")[0]?.id, id);
});

test("a layer that does not match its DiffID is refused, naming it", async () => {
  const { tar } = await saveLike();
  const at = tar.indexOf(Buffer.from("hi\n"));
  const bad = Buffer.from(tar);
  bad[at] = "H".charCodeAt(0);
  const s = await scan(bad);
  assert.throws(() => checkArchive(s, "a"), {
    code: "EV_DIGEST_MISMATCH",
    message: /abc\/layer\.tar/,
  });
});

test("unsafe paths and escaping links are refused while scanning", async () => {
  const cases: Array<[string, Parameters<typeof makeTar>[0], RegExp]> = [
    ["absolute", [{ name: "/etc/passwd", body: "x" }], /absolute/],
    ["dotdot", [{ name: "a/../../etc/passwd", body: "x" }], /\.\./],
    ["symlink out", [{ name: "a/l", type: "symlink", linkname: "../../etc" }], /outside/],
    ["symlink absolute", [{ name: "a/l", type: "symlink", linkname: "/etc/passwd" }], /absolute/],
    ["hard link out", [{ name: "a/l", type: "link", linkname: "../etc/passwd" }], /\.\./],
    ["device", [{ name: "dev", type: "character-device" }], /unsupported type/],
    [
      "duplicate",
      [
        { name: "x", body: "1" },
        { name: "x", body: "2" },
      ],
      /twice/,
    ],
  ];
  for (const [label, entries, message] of cases) {
    const tar = await makeTar(entries);
    await assert.rejects(scan(tar), (e: { code: string; message: string }) => {
      assert.equal(e.code, "EV_ARCHIVE_UNSAFE", label);
      assert.match(e.message, message, label);
      return true;
    });
  }
});

test("ChainIDs follow the OCI definition; shared prefixes are counted by them", () => {
  const a = `sha256:${"a".repeat(64)}`;
  const b = `sha256:${"b".repeat(64)}`;
  const c = `sha256:${"c".repeat(64)}`;
  assert.deepEqual(chainIds([a, b]), [a, digest(`${a} ${b}`)]);
  assert.equal(sharedPrefix([a, b, c], [a, b]), 2);
  assert.equal(sharedPrefix([a, b], [b, a]), 0);
});
