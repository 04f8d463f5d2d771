import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { EvError } from "../../src/errors.ts";
import type { ImageUsage } from "../../src/engine/types.ts";
import {
  defaultReserve,
  planSpace,
  removalCandidates,
  repositoryOf,
  type ImageCandidate,
} from "../../src/guards/disk-guard.ts";
import { buildContextBytes, DiskGuard, estimateFetch } from "../../src/guards/disk-space.ts";
import { release, service } from "../support/release-builders.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

const cand = (id: string, sizeMiB: number, over: Partial<ImageCandidate> = {}): ImageCandidate => ({
  id,
  sizeBytes: sizeMiB * MiB,
  refs: [`app/${id}:1`],
  usedByContainer: false,
  inTargetOrRollback: false,
  ...over,
});

describe("disk guard: reserve and plan", () => {
  test("the reserve is 10 % of the filesystem, at least 512 MiB", () => {
    assert.equal(defaultReserve(1 * GiB), 512 * MiB);
    assert.equal(defaultReserve(5 * GiB), 512 * MiB);
    assert.equal(defaultReserve(10 * GiB), 1 * GiB);
    assert.equal(defaultReserve(64 * GiB), Math.ceil(6.4 * GiB));
  });

  const base = { totalBytes: 1000 * MiB, reserveBytes: 100 * MiB };

  test("fits: ok with what is usable", () => {
    const plan = planSpace({
      ...base,
      freeBytes: 400 * MiB,
      neededBytes: 300 * MiB,
      candidates: [],
    });
    assert.deepEqual(plan, { kind: "ok", availableBytes: 300 * MiB });
  });

  test("short and nothing removable: refused with the figures", () => {
    const plan = planSpace({
      ...base,
      freeBytes: 150 * MiB,
      neededBytes: 120 * MiB,
      candidates: [
        cand("running", 50, { usedByContainer: true }),
        cand("rollback", 50, { inTargetOrRollback: true }),
      ],
    });
    assert.deepEqual(plan, {
      kind: "refuse",
      reason:
        "needs ~120.0 MiB, only 50.0 MiB usable: 150.0 MiB free of 1000.0 MiB minus a 100.0 MiB reserve",
    });
  });

  test("short: untagged images first, then the largest, only as many as needed", () => {
    const plan = planSpace({
      ...base,
      freeBytes: 150 * MiB,
      neededBytes: 200 * MiB,
      candidates: [
        cand("small", 10),
        cand("big", 80),
        cand("dangling", 30, { refs: [] }),
        cand("mid", 40),
        cand("used", 500, { usedByContainer: true }),
      ],
    });
    // shortfall 150 MiB: dangling 30, big 80, mid 40 = 150.
    assert.deepEqual(plan, {
      kind: "removeFirst",
      ids: ["dangling", "big", "mid"],
      freesBytes: 150 * MiB,
      thenOk: true,
    });
  });

  test("short even after removing everything removable: all go, thenOk false", () => {
    const plan = planSpace({
      ...base,
      freeBytes: 100 * MiB,
      neededBytes: 500 * MiB,
      candidates: [cand("a", 10), cand("b", 20), cand("t", 400, { inTargetOrRollback: true })],
    });
    assert.deepEqual(plan, {
      kind: "removeFirst",
      ids: ["b", "a"],
      freesBytes: 30 * MiB,
      thenOk: false,
    });
  });

  test("free below the reserve with nothing to fetch still fits (needed 0)", () => {
    const plan = planSpace({ ...base, freeBytes: 50 * MiB, neededBytes: 0, candidates: [] });
    assert.equal(plan.kind, "refuse");
    const plan2 = planSpace({ ...base, freeBytes: 100 * MiB, neededBytes: 0, candidates: [] });
    assert.equal(plan2.kind, "ok");
  });
});

const img = (id: string, refs: string[], sizeMiB: number, over: Partial<ImageUsage> = {}) => ({
  id,
  refs,
  sizeBytes: sizeMiB * MiB,
  labels: {},
  containers: 0,
  ...over,
});

describe("disk guard: candidates and estimates", () => {
  test("repositoryOf drops tags and digests, keeps registry ports", () => {
    assert.equal(repositoryOf("registry:5000/app/web:2"), "registry:5000/app/web");
    assert.equal(repositoryOf("registry:5000/app/web"), "registry:5000/app/web");
    assert.equal(repositoryOf("redis"), "library/redis");
    assert.equal(repositoryOf("redis:7@sha256:abc"), "library/redis");
  });

  test("only our images are candidates; target and rollback images are kept", () => {
    const target = release([service("web", { image: "app/web:3" })]);
    const rollback = release([service("web", { image: "app/web:2" })]);
    const images = [
      img("i1", ["app/web:1"], 10),
      img("i2", ["app/web:2"], 10, { containers: 1 }),
      img("i3", ["app/web:3"], 10),
      img("i4", [], 10),
      img("i5", ["user/tool:latest"], 10),
      img("i6", ["built:x"], 10, { labels: { "io.edgevisor.managed": "true" } }),
      img("i7", ["app/web:0", "user/tool:2"], 10),
      img("i8", [], 10, { labels: { "io.edgevisor.delta-import": "ab12" } }),
    ];
    const c = removalCandidates(images, [target, rollback], "io.edgevisor.managed");
    assert.deepEqual(
      c.map((x) => [x.id, x.usedByContainer, x.inTargetOrRollback]),
      [
        ["i1", false, false],
        ["i2", true, true],
        ["i3", false, true],
        ["i4", false, false],
        ["i6", false, false],
      ],
    );
  });

  test("estimates: present, replaced image, older tag, build context, unknown", () => {
    const images = [img("a", ["app/web:2"], 100), img("b", ["app/db:1"], 40)];
    const rollback = release([service("web", { image: "app/web:2" })]);
    assert.deepEqual(
      estimateFetch(service("web", { image: "app/web:2" }), images, rollback, undefined),
      {
        service: "web",
        bytes: 0,
        basis: "already on the device",
      },
    );
    assert.deepEqual(
      estimateFetch(service("web", { image: "app/web:3" }), images, rollback, undefined),
      {
        service: "web",
        bytes: 125 * MiB,
        basis: "1.25 × the 100.0 MiB image it replaces",
      },
    );
    assert.equal(
      estimateFetch(service("db", { image: "app/db:2" }), images, undefined, undefined).bytes,
      50 * MiB,
    );
    const build = { context: "/x", dockerfile: "Dockerfile", args: {}, labels: {} };
    assert.deepEqual(
      estimateFetch(service("new", { image: "app/new:1", build }), images, undefined, 30 * MiB),
      { service: "new", bytes: 60 * MiB, basis: "2 × the 30.0 MiB build context" },
    );
    assert.deepEqual(
      estimateFetch(service("new", { image: "app/new:1" }), images, undefined, undefined),
      {
        service: "new",
        bytes: 0,
        basis: "size unknown: no older version on the device",
      },
    );
  });

  test("build context size follows .dockerignore", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ev-ctx-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "Dockerfile"), "FROM scratch\n"); // 13 bytes
    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "src", "a"), Buffer.alloc(1000));
    mkdirSync(join(dir, "node_modules"));
    writeFileSync(join(dir, "node_modules", "big"), Buffer.alloc(100_000));
    writeFileSync(join(dir, ".dockerignore"), "node_modules\n"); // 13 bytes
    const bytes = await buildContextBytes({
      context: dir,
      dockerfile: "Dockerfile",
      args: {},
      labels: {},
    });
    assert.equal(bytes, 13 + 1000 + 13);
  });
});

/** A fake engine and filesystem: removing an image frees its size. */
function fakeDisk(freeMiB: number, images: ImageUsage[]) {
  const state = { free: freeMiB * MiB, images: [...images], removed: [] as string[] };
  const guard = (reserveMiB = 100) =>
    new DiskGuard({
      engine: {
        dataRoot: async () => "/data/docker",
        imageUsage: async () => state.images.map((i) => ({ ...i })),
        // Like the engine: an id named by several tags is refused; the last tag deletes.
        removeImage: async (ref) => {
          const i = state.images.find((x) => x.id === ref || x.refs.includes(ref))!;
          if (ref === i.id && i.refs.length > 1) throw new Error("conflict: must be forced");
          i.refs = i.refs.filter((r) => r !== ref);
          if (ref !== i.id && i.refs.length > 0) return;
          state.images = state.images.filter((x) => x !== i);
          state.free += i.sizeBytes;
          state.removed.push(i.id);
        },
      },
      statfs: async () => ({ totalBytes: 1000 * MiB, availableBytes: state.free }),
      log: () => {},
      reserveBytes: () => reserveMiB * MiB,
    });
  return { state, guard };
}

describe("disk guard: ensureSpace", () => {
  const target = release([service("web", { image: "app/web:3" })]);
  const rollback = release([service("web", { image: "app/web:2" })]);
  const web = target.services.web!;

  test("fits: nothing removed, a grant with the estimate", async () => {
    const { state, guard } = fakeDisk(500, [img("r", ["app/web:2"], 100, { containers: 1 })]);
    const g = await guard().ensureSpace({ fetch: [web], target, rollback });
    assert.equal(g.neededBytes, 125 * MiB);
    assert.deepEqual(g.removed, []);
    assert.deepEqual(state.removed, []);
  });

  test("short: unneeded images go first, then it fits", async () => {
    const { state, guard } = fakeDisk(200, [
      img("r", ["app/web:2"], 100, { containers: 1 }),
      img("old", ["app/web:1", "app/web:1.0.0"], 50),
      img("user", ["someone/else:1"], 500),
    ]);
    const g = await guard().ensureSpace({ fetch: [web], target, rollback });
    assert.deepEqual(state.removed, ["old"]);
    assert.deepEqual(g.removed, [{ id: "old", refs: ["app/web:1", "app/web:1.0.0"] }]);
  });

  test("short even after removing: refused, the running image stays", async () => {
    const { state, guard } = fakeDisk(150, [
      img("r", ["app/web:2"], 100, { containers: 1 }),
      img("old", ["app/web:1"], 10),
    ]);
    await assert.rejects(guard().ensureSpace({ fetch: [web], target, rollback }), (e: EvError) => {
      assert.equal(e.code, "EV_INSUFFICIENT_SPACE");
      assert.equal(e.httpStatus, 507);
      assert.equal(
        e.message,
        "not enough space on /data/docker to fetch app/web:3: needs ~125.0 MiB, only 60.0 MiB usable: 160.0 MiB free of 1000.0 MiB minus a 100.0 MiB reserve (after removing unused images: 10.0 MiB freed) (estimate: web: 1.25 × the 100.0 MiB image it replaces)",
      );
      assert.match(e.hint!, /the running release keeps running/);
      return true;
    });
    assert.deepEqual(state.removed, ["old"]);
    assert.ok(state.images.some((i) => i.id === "r"));
  });

  test("granted fetches still running count against the next request", async () => {
    const { guard } = fakeDisk(400, [img("r", ["app/web:2"], 100, { containers: 1 })]);
    const g = guard();
    const first = await g.ensureSpace({ fetch: [web], target, rollback });
    // 400 - 100 reserve = 300 usable: 125 + 125 fits, a third does not.
    await g.ensureSpace({ fetch: [web], target, rollback });
    await assert.rejects(g.ensureSpace({ fetch: [web], target, rollback }), {
      code: "EV_INSUFFICIENT_SPACE",
    });
    first.release();
    await g.ensureSpace({ fetch: [web], target, rollback });
  });
});
