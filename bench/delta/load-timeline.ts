// Where a delta load's time goes: the engine calls of `image load -i DELTA`, time-stamped,
// with the engine's bytes written so far. Shows how long the engine works after the
// upload's last byte (a `docker load` unpacks only then) against a `docker pull`.
//   DOCKER_HOST=unix://… node --max-old-space-size=96 --max-semi-space-size=1 \
//     bench/delta/load-timeline.ts DELTA [DOCKERD_PID]
// With DOCKERD_PID, each line also shows write_bytes of dockerd and its children since
// the start (as bench/delta/run.sh counts them). NEW must not be on the engine.
import { readdirSync, readFileSync } from "node:fs";
import { imageStoreFromEnv } from "../../src/cli/image.ts";
import { loadImageFile } from "../../src/images/load.ts";
import type { Progress } from "../../src/images/types.ts";

const [file, dockerd] = process.argv.slice(2);
if (!file) throw new Error("usage: load-timeline.ts DELTA [DOCKERD_PID]");

function engineWritten(): number {
  if (!dockerd) return 0;
  const children = readdirSync("/proc").filter((p) => {
    try {
      return (
        /^\d+$/.test(p) &&
        readFileSync(`/proc/${p}/stat`, "utf8").split(") ")[1]!.split(" ")[1] === dockerd
      );
    } catch {
      return false;
    }
  });
  let total = 0;
  for (const pid of [dockerd, ...children]) {
    try {
      total += Number(/^write_bytes: (\d+)/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"))![1]);
    } catch {
      // a child that exited between the listing and the read
    }
  }
  return total;
}

const t0 = performance.now();
const w0 = engineWritten();
function log(what: string): void {
  const s = ((performance.now() - t0) / 1000).toFixed(2).padStart(6);
  const w = dockerd ? ` ${((engineWritten() - w0) / 1048576).toFixed(2).padStart(8)} MiB` : "";
  console.log(`${s} s${w}  ${what}`);
}

const store = imageStoreFromEnv(process.env);
const load = store.load.bind(store);
store.load = async (archive) => {
  log("docker load: upload starts");
  archive.once("end", () => log("docker load: upload ends"));
  await load(archive);
  log("docker load: the engine answers");
};
const importer = store.layers;
const importLayer = importer.importLayer.bind(importer);
importer.importLayer = async (tar, label, value) => {
  log("import: upload starts");
  tar.once("end", () => log("import: upload ends"));
  const id = await importLayer(tar, label, value);
  log("import: the engine answers");
  return id;
};
const progress: Progress = { phase: (p) => log(p), update: () => {}, note: (n) => log(n) };
const r = await loadImageFile(store, file, { progress });
log(`done: ${r.images[0]?.id} (passes ${r.passes}, bottom layer ${r.imported ?? "loaded"})`);
