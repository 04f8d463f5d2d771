// Reads two extracted `docker save` archives (OLD, NEW) and prints, one per line:
//   old <path>   every layer tar of OLD, bottom to top
//   new <path>   every layer tar of NEW whose DiffID OLD lacks, bottom to top
//   newdiff <id>  the DiffIDs of those layers
//   shared <n>   how many of NEW's layers OLD has
//   id <old id> <new id>
import { readFileSync } from "node:fs";
import { join } from "node:path";

type SaveManifest = { Config: string; Layers: string[] }[];

function read(dir: string): { id: string; layers: { path: string; diffId: string }[] } {
  const [entry] = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as SaveManifest;
  if (!entry) throw new Error(`${dir}/manifest.json lists no image`);
  const config = JSON.parse(readFileSync(join(dir, entry.Config), "utf8")) as {
    rootfs: { diff_ids: string[] };
  };
  const id = entry.Config.replace(/^blobs\/sha256\//, "").replace(/\.json$/, "");
  return {
    id: `sha256:${id}`,
    layers: entry.Layers.map((p, i) => ({
      path: join(dir, p),
      diffId: config.rootfs.diff_ids[i] ?? "",
    })),
  };
}

const [oldDir, newDir] = process.argv.slice(2);
if (!oldDir || !newDir) throw new Error("usage: layers.ts OLD_DIR NEW_DIR");
const o = read(oldDir);
const n = read(newDir);
const have = new Set(o.layers.map((l) => l.diffId));
const lines = [
  ...o.layers.map((l) => `old ${l.path}`),
  ...n.layers.filter((l) => !have.has(l.diffId)).map((l) => `new ${l.path}`),
  ...n.layers.filter((l) => !have.has(l.diffId)).map((l) => `newdiff ${l.diffId}`),
  `shared ${n.layers.filter((l) => have.has(l.diffId)).length}`,
  `id ${o.id} ${n.id}`,
];
process.stdout.write(`${lines.join("\n")}\n`);
