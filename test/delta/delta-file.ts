// A small but complete delta file, built without an engine, for format and load tests.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { zstdCompressSync } from "node:zlib";
import { writeFile } from "node:fs/promises";
import { DataBlobWriter, writeDelta } from "../../src/delta/container.ts";
import { gzipRecord, gzipSizeOfFile } from "../../src/images/layer-gzip.ts";
import { DELTA_FORMAT, DELTA_VERSION, type DeltaManifest } from "../../src/delta/manifest.ts";
import { parsePrivateKey, signManifest } from "../../src/delta/signature.ts";
import { MemoryBase, encode, makeTar } from "./support.ts";

export const digest = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/**
 * A one-layer delta from `base` (etc/conf x=1) to a layer with etc/conf x=2; format
 * version 2 (gzip sizes recorded) unless `version: 1`.
 */
export async function makeDelta(
  dir: string,
  options: { sign?: string; afterSigning?: (m: DeltaManifest) => void; version?: 1 | 2 } = {},
) {
  const base = new MemoryBase({ "etc/conf": "x=1\n".repeat(100) });
  const layer = await makeTar([{ name: "etc/conf", body: "x=2\n".repeat(100) }]);
  const enc = await encode(dir, layer, base);
  const config = Buffer.from(
    JSON.stringify({ rootfs: { type: "layers", diff_ids: [digest(layer)] } }),
  );
  const data = new DataBlobWriter(join(dir, "data"));
  const configRange = await data.addBytes(zstdCompressSync(config));
  const ops = await data.addFile(enc.ops.file);
  const lit = await data.addFile(enc.lit.file);
  const dataBlob = await data.finish();
  const fake = `sha256:${"ab".repeat(32)}`;
  const v1 = options.version === 1;
  await writeFile(join(dir, "layer.tar"), layer);
  const gzipSize = v1 ? undefined : await gzipSizeOfFile(join(dir, "layer.tar"));
  const manifest: DeltaManifest = {
    format: DELTA_FORMAT,
    version: v1 ? 1 : DELTA_VERSION,
    base: { id: fake, diffIds: [], repoTags: ["app:1"] },
    target: {
      id: digest(config),
      config: configRange,
      diffIds: [digest(layer)],
      repoTags: ["app:2"],
    },
    layers: [
      {
        source: "delta",
        diffId: digest(layer),
        size: layer.length,
        ops,
        lit,
        ...(gzipSize === undefined ? {} : { gzipSize }),
      },
    ],
    data: dataBlob.ref,
    created: "2026-01-01T00:00:00Z",
    ...(v1 ? {} : { gzip: gzipRecord() }),
  };
  const signedBytes = Buffer.from(JSON.stringify(manifest));
  const signature = options.sign
    ? signManifest(signedBytes, parsePrivateKey(options.sign, "key"))
    : undefined;
  options.afterSigning?.(manifest);
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const file = join(dir, "delta.tar");
  await writeDelta(createWriteStream(file), manifestBytes, signature, [dataBlob]);
  return { file, bytes: await readFile(file), manifest, base, layer };
}
