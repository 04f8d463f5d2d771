// Manifest versions 1 and 2: what each must and must not carry.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as v from "valibot";
import { openDelta } from "../../src/delta/container.ts";
import { DeltaManifestSchema, gzipBound, manifestProblem } from "../../src/delta/manifest.ts";
import { describeIssue, ISSUES } from "../../src/util/schema.ts";
import { makeDelta } from "./delta-file.ts";
import { withTmp } from "./support.ts";

const d = (c: string) => `sha256:${c.repeat(64)}`;

function v2(): Record<string, unknown> {
  return {
    format: "edgevisor-delta",
    version: 2,
    base: { id: d("a"), diffIds: [d("1")], repoTags: [] },
    target: {
      id: d("b"),
      config: { offset: 0, size: 10 },
      diffIds: [d("1"), d("2")],
      repoTags: [],
    },
    layers: [
      { source: "base", diffId: d("1"), size: 100 },
      {
        source: "delta",
        diffId: d("2"),
        size: 1_000_000,
        ops: { offset: 10, size: 5 },
        lit: { offset: 15, size: 5 },
        gzipSize: 400_000,
      },
    ],
    data: { digest: d("c"), size: 20 },
    created: "2026-01-01T00:00:00Z",
    gzip: { level: 6, chunkSize: 1 << 20, zlib: "1.3.1", arch: "x64" },
  };
}

function v1(): Record<string, unknown> {
  const m = v2();
  m.version = 1;
  delete m.gzip;
  delete (m.layers as Array<Record<string, unknown>>)[1]!.gzipSize;
  return m;
}

/** The first problem with a manifest: a schema issue or a consistency rule. */
function problem(json: unknown): string | undefined {
  const parsed = v.safeParse(DeltaManifestSchema, json, ISSUES);
  if (!parsed.success) return `schema: ${describeIssue(parsed.issues[0])}`;
  return manifestProblem(parsed.output);
}

test("versions 1 and 2 are both read", () => {
  assert.equal(problem(v1()), undefined);
  assert.equal(problem(v2()), undefined);
});

test("each version carries the gzip fields exactly when it should", () => {
  const cases: Array<
    [string, (m: Record<string, unknown>) => void, () => Record<string, unknown>, RegExp]
  > = [
    ["v2 without gzip", (m) => delete m.gzip, v2, /requires gzip/],
    ["v2 layer without gzipSize", (m) => delete layer(m).gzipSize, v2, /lacks gzipSize/],
    [
      "v1 with gzip",
      (m) => (m.gzip = { level: 6, chunkSize: 1 << 20, zlib: "1.3.1", arch: "x64" }),
      v1,
      /not part of version 1/,
    ],
    [
      "v1 with gzipSize",
      (m) => (layer(m).gzipSize = 10_000),
      v1,
      /gzipSize is not part of version 1/,
    ],
    ["gzipSize below a gzip's minimum", (m) => (layer(m).gzipSize = 19), v2, /impossible/],
    [
      "gzipSize above deflate's bound",
      (m) => (layer(m).gzipSize = gzipBound(1_000_000) + 1),
      v2,
      /impossible/,
    ],
    ["version 3", (m) => (m.version = 3), v2, /schema: version/],
    [
      "a layer's diffId that is no digest",
      (m) => (layer(m).diffId = "sha256:x"),
      v2,
      /^schema: layers\[1\]\.diffId: expected sha256:<64 hex>$/,
    ],
    [
      "gzip without the creator's zlib build",
      (m) => delete (m.gzip as Record<string, unknown>).zlib,
      v2,
      /schema: gzip.zlib/,
    ],
    [
      "unknown gzip field",
      (m) => ((m.gzip as Record<string, unknown>).strategy = 1),
      v2,
      /schema: gzip/,
    ],
    [
      "gzip level 0",
      (m) => ((m.gzip as Record<string, unknown>).level = 0),
      v2,
      /schema: gzip.level/,
    ],
    [
      "gzip chunk of 1 KiB",
      (m) => ((m.gzip as Record<string, unknown>).chunkSize = 1024),
      v2,
      /schema: gzip.chunkSize/,
    ],
  ];
  for (const [what, change, make, expected] of cases) {
    const m = make();
    change(m);
    assert.match(problem(m) ?? "accepted", expected, what);
  }
  const atBound = v2();
  layer(atBound).gzipSize = gzipBound(1_000_000);
  assert.equal(problem(atBound), undefined, "a gzip of stored blocks is possible");
});

function layer(m: Record<string, unknown>): Record<string, unknown> {
  return (
    (m.layers as Array<Record<string, unknown>>)[1] ??
    (m.layers as Array<Record<string, unknown>>)[0]!
  );
}

test("delta files of both versions open; the version is what the manifest says", () =>
  withTmp(async (dir) => {
    const a = await makeDelta(dir, { version: 1 });
    assert.equal((await openDelta(a.file)).manifest.version, 1);
    const b = await makeDelta(dir);
    const opened = await openDelta(b.file);
    assert.equal(opened.manifest.version, 2);
    assert.deepEqual(opened.manifest.gzip, {
      level: 6,
      chunkSize: 1 << 20,
      zlib: process.versions.zlib,
      arch: process.arch,
    });
  }));
