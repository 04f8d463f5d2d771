// The disk guard on a real, small filesystem: a ~300 MB ext4 image loop-mounted as the data
// root of a second, private dockerd (not the shared test engine). The old release's image goes
// first when that makes room; when even that is not enough the fetch is refused with a clear
// reason, and the running container and the user's own image stay.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { statfs } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import { collectJsonLines, EngineClient } from "../../src/engine/api/index.ts";
import { pack } from "tar-stream";
import type { EvError } from "../../src/errors.ts";
import { DockerEngine } from "../../src/engine/docker-engine.ts";
import { DiskGuard } from "../../src/guards/disk-space.ts";
import { startPrivateEngine, type PrivateEngine } from "../support/private-engine.ts";
import { release, service } from "../support/release-builders.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const MiB = 1024 * 1024;
const RESERVE = 30 * MiB;

const base = join(root, "var", `gd-${process.pid.toString(36)}`);
const mnt = join(base, "fs");
const img = join(base, "fs.img");
let engine: PrivateEngine | undefined;
let docker: EngineClient;
let mounted = false;
const log: string[] = [];

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

async function freeBytes(): Promise<number> {
  const s = await statfs(mnt);
  return s.bavail * s.bsize;
}

/** Grow (or create) a filler file so that exactly `usable` bytes stay above the reserve. */
async function leaveUsable(usable: number): Promise<void> {
  const filler = join(mnt, "filler");
  const current = existsSync(filler) ? Number(sh("stat", ["-c", "%s", filler]).trim()) : 0;
  const grow = (await freeBytes()) - RESERVE - usable;
  assert.ok(current + grow > 0, "the filesystem is already fuller than the scenario needs");
  sh("fallocate", ["-l", String(current + grow), filler]);
}

/** FROM scratch + busybox + a payload of `payloadMiB`; no RUN, so no network is needed. */
async function buildImage(tag: string, payloadMiB: number): Promise<void> {
  const tar = pack();
  tar.entry(
    { name: "Dockerfile" },
    'FROM scratch\nCOPY busybox /busybox\nCOPY payload /payload\nCMD ["/busybox", "sleep", "3600"]\n',
  );
  tar.entry({ name: "busybox", mode: 0o755 }, readFileSync("/bin/busybox"));
  tar.entry({ name: "payload" }, Buffer.alloc(payloadMiB * MiB, tag));
  tar.finalize();
  const stream = await docker.buildImage(tar as unknown as NodeJS.ReadableStream, {
    t: tag,
    rm: true,
    networkmode: "none",
  });
  const failed = (await collectJsonLines<{ error?: string }>(stream)).find((o) => o.error);
  if (failed) throw new Error(failed.error);
}

async function tags(): Promise<string[]> {
  const list = await docker.listImages();
  return list.flatMap((i) => i.RepoTags ?? []).sort();
}

before(async () => {
  mkdirSync(mnt, { recursive: true });
  sh("truncate", ["-s", "300M", img]);
  sh("mkfs.ext4", ["-q", "-F", "-m", "0", img]);
  sh("mount", ["-o", "loop", img, mnt]);
  mounted = true;
  engine = await startPrivateEngine(join(base, "engine"), join(mnt, "docker"));
  docker = engine.docker;
});

after(async () => {
  await engine?.destroy();
  if (mounted) {
    for (let i = 0; i < 10; i++) {
      try {
        sh("umount", [mnt]);
        break;
      } catch {
        await sleep(300);
        if (i === 9) sh("umount", ["-l", mnt]);
      }
    }
  }
  rmSync(base, { recursive: true, force: true });
});

describe(
  "disk guard on a loop-mounted ext4 data root (private dockerd)",
  { timeout: 60_000 },
  () => {
    const target = release([service("web", { image: "evdisk/web:3" })], { app: "evdisk" });
    const rollback = release([service("web", { image: "evdisk/web:2" })], { app: "evdisk" });
    const guard = () =>
      new DiskGuard({
        engine: new DockerEngine(docker),
        statfs: async (p) => {
          const s = await statfs(p);
          return { totalBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize };
        },
        log: (l) => log.push(`${l}\n`),
        reserveBytes: () => RESERVE,
      });
    let runningId: string;

    test("setup: the running release, an old one and a user's image on the small disk", async () => {
      await buildImage("evdisk/web:1", 60);
      await buildImage("evdisk/web:2", 40);
      await buildImage("someone/tool:1", 20);
      const c = await docker.createContainer({
        Image: "evdisk/web:2",
        name: `evdisk_web_${process.pid}`,
        HostConfig: { NetworkMode: "none" },
      });
      await c.start();
      runningId = c.id;
      const dataRoot = await new DockerEngine(docker).dataRoot();
      assert.equal(dataRoot, join(mnt, "docker"));
    });

    test("short: the old release's image is removed first, then the fetch fits", async () => {
      await leaveUsable(20 * MiB); // the fetch needs ~1.25 × 40 MiB = ~50 MiB
      const grant = await guard().ensureSpace({ fetch: [target.services.web!], target, rollback });
      assert.deepEqual(
        grant.removed.map((r) => r.refs),
        [["evdisk/web:1"]],
      );
      assert.ok(
        grant.neededBytes > 50 * MiB && grant.neededBytes < 55 * MiB,
        String(grant.neededBytes),
      );
      assert.ok((await freeBytes()) - RESERVE >= grant.neededBytes);
      grant.release();
      assert.deepEqual(await tags(), ["evdisk/web:2", "someone/tool:1"]);
    });

    test("still short after removing: refused with a clear reason, the running release stays", async () => {
      await buildImage("evdisk/web:0", 5);
      await leaveUsable(10 * MiB);
      await assert.rejects(
        guard().ensureSpace({ fetch: [target.services.web!], target, rollback }),
        (e: EvError) => {
          assert.equal(e.code, "EV_INSUFFICIENT_SPACE");
          assert.match(
            e.message,
            new RegExp(
              `^not enough space on ${mnt}/docker to fetch evdisk/web:3: needs ~5\\d\\.\\d MiB, only 1\\d\\.\\d MiB usable: .* minus a 30\\.0 MiB reserve \\(after removing unused images: [45]\\.\\d MiB freed\\) \\(estimate: web: 1\\.25 × the 4\\d\\.\\d MiB image it replaces\\)$`,
            ),
          );
          assert.match(e.hint!, /the running release keeps running/);
          return true;
        },
      );
      assert.deepEqual(await tags(), ["evdisk/web:2", "someone/tool:1"]);
      const running = await docker.getContainer(runningId).inspect();
      assert.equal(running.State.Running, true);
      assert.ok(log.some((l) => l.includes("removed unused image evdisk/web:0")));
    });
  },
);
