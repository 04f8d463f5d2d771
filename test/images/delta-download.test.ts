// The delta download against small loopback servers: resume, restart on 200, retries and
// their cap, final answers, stalls, digest check. No engine.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { downloadDelta } from "../../src/images/delta-download.ts";
import { deltaFetch, digestReference, previousImageId } from "../../src/images/delta-fetch.ts";
import type { ImageStore } from "../../src/images/types.ts";
import { container, emptyEngine, release, service } from "../support/release-builders.ts";
import { withTmp } from "../delta/support.ts";

const BODY = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
const DIGEST = `sha256:${createHash("sha256").update(BODY).digest("hex")}`;
const fast = { backoffMs: 1, backoffMaxMs: 5 };

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

async function withServer(handler: Handler, fn: (url: string, seen: string[]) => Promise<void>) {
  const seen: string[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    seen.push(req.headers.range ?? "-");
    handler(req, res, n++);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}/d`, seen);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

/** Serves BODY with ranges; answer number `cut` is cut after 1200 bytes of its body. */
function ranged(cuts: number[], opts: { ignoreRange?: boolean } = {}): Handler {
  return (req, res, n) => {
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const from = m && !opts.ignoreRange ? Number(m[1]) : 0;
    const headers = { etag: `"${DIGEST}"`, "x-edgevisor-delta-digest": DIGEST };
    if (m && !opts.ignoreRange)
      res.writeHead(206, {
        ...headers,
        "content-length": BODY.length - from,
        "content-range": `bytes ${from}-${BODY.length - 1}/${BODY.length}`,
      });
    else res.writeHead(200, { ...headers, "content-length": BODY.length });
    if (cuts.includes(n)) {
      res.write(BODY.subarray(from, from + 1200));
      setTimeout(() => res.destroy(), 20);
    } else res.end(BODY.subarray(from));
  };
}

test("a cut download resumes from the byte it reached, twice, and checks the digest", () =>
  withTmp(async (dir) =>
    withServer(ranged([0, 1]), async (url, seen) => {
      const retries: number[] = [];
      const file = join(dir, "d");
      const r = await downloadDelta(url, file, {
        ...fast,
        onRetry: (_, from) => retries.push(from),
      });
      assert.deepEqual(seen, ["-", "bytes=1200-", "bytes=2400-"]);
      assert.deepEqual(retries, [1200, 2400]);
      assert.deepEqual(r, { bytes: BODY.length, attempts: 3, resumed: 2, digest: DIGEST });
      assert.deepEqual(await readFile(file), BODY);
    }),
  ));

test("a server that answers a range with 200 restarts the file from byte 0", () =>
  withTmp(async (dir) =>
    withServer(ranged([0], { ignoreRange: true }), async (url, seen) => {
      const file = join(dir, "d");
      const r = await downloadDelta(url, file, fast);
      assert.deepEqual(seen, ["-", "bytes=1200-"]);
      assert.equal(r.resumed, 0);
      assert.deepEqual(await readFile(file), BODY);
    }),
  ));

test("a 206 for another range than asked is not appended", () =>
  withTmp(async (dir) =>
    withServer(
      (req, res, n) => {
        if (n === 1) {
          res.writeHead(206, { "content-range": `bytes 0-99/${BODY.length}` });
          return res.end(BODY.subarray(0, 100));
        }
        ranged([0])(req, res, n);
      },
      async (url, seen) => {
        const file = join(dir, "d");
        await downloadDelta(url, file, fast);
        assert.deepEqual(seen, ["-", "bytes=1200-", "-"]);
        assert.deepEqual(await readFile(file), BODY);
      },
    ),
  ));

test("5xx is retried up to the cap with backoff; 404 is final at once", () =>
  withTmp(async (dir) => {
    await withServer(
      (_, res) => {
        res.writeHead(503);
        res.end();
      },
      async (url, seen) => {
        await assert.rejects(downloadDelta(url, join(dir, "a"), { ...fast, retries: 3 }), {
          code: "EV_IMAGE_FETCH_FAILED",
          message: /HTTP 503 \(attempt 4\)/,
        });
        assert.equal(seen.length, 4);
      },
    );
    await withServer(
      (_, res) => {
        res.writeHead(404, { "content-type": "application/json" });
        res.end('{"error":"EV_IMAGE_NOT_FOUND"}');
      },
      async (url, seen) => {
        await assert.rejects(downloadDelta(url, join(dir, "b"), fast), /HTTP 404/);
        assert.equal(seen.length, 1);
      },
    );
  }));

test("a stalled answer is cut and retried; a wrong digest is refused", () =>
  withTmp(async (dir) => {
    await withServer(
      (req, res, n) => {
        if (n === 0) {
          res.writeHead(200, { "content-length": BODY.length });
          return res.write(BODY.subarray(0, 10)); // and then nothing
        }
        ranged([])(req, res, n);
      },
      async (url, seen) => {
        const r = await downloadDelta(url, join(dir, "s"), { ...fast, stallMs: 200 });
        assert.deepEqual(seen, ["-", "bytes=10-"]);
        assert.equal(r.bytes, BODY.length);
      },
    );
    await withServer(
      (_, res) => {
        res.writeHead(200, { "x-edgevisor-delta-digest": `sha256:${"0".repeat(64)}` });
        res.end(BODY);
      },
      async (url) => {
        await assert.rejects(downloadDelta(url, join(dir, "w"), fast), {
          code: "EV_DIGEST_MISMATCH",
        });
      },
    );
  }));

test("the overall timeout ends the download with EV_TIMEOUT", () =>
  withTmp(async (dir) =>
    withServer(
      (_, res) => {
        res.writeHead(200, { "content-length": BODY.length });
        res.write(BODY.subarray(0, 10));
      },
      async (url) => {
        const started = Date.now();
        await assert.rejects(downloadDelta(url, join(dir, "t"), { ...fast, timeoutMs: 300 }), {
          code: "EV_TIMEOUT",
        });
        assert.ok(Date.now() - started < 5000);
      },
    ),
  ));

test("the delta base is the running container's image, else the committed release's", () => {
  const engine = emptyEngine();
  engine.images.push({ id: "sha256:a1", refs: ["app:1"] });
  engine.containers.push(
    container({ id: "c0", service: "web", imageId: "sha256:old", status: "exited" }),
    container({ id: "c1", service: "web", imageId: "sha256:run", status: "running" }),
  );
  const committed = release([service("web", { image: "app:1" })]);
  assert.equal(previousImageId(engine, "web", committed), "sha256:run");
  engine.containers.length = 0;
  assert.equal(previousImageId(engine, "web", committed), "sha256:a1");
  assert.equal(previousImageId(engine, "db", committed), undefined);
  assert.equal(previousImageId(undefined, "web", committed), undefined);
});

test("the delta's dest is the repository with the registry's manifest digest", async () => {
  const d = `sha256:${"d".repeat(64)}`;
  const lookup = async () => d;
  assert.equal(await digestReference("127.0.0.1:5555/app:2", lookup), `127.0.0.1:5555/app@${d}`);
  assert.equal(await digestReference("127.0.0.1:5555/app", lookup), `127.0.0.1:5555/app@${d}`);
  assert.equal(await digestReference(`app@${d}`, async () => "x"), `app@${d}`);
});

test("deltaFetch: builds and services without a base pull at once; failures pull and say why", () =>
  withTmp(async (dir) => {
    await mkdir(join(dir, "ev-delta-left-by-a-killed-agent"), { recursive: true });
    const pulled: string[] = [];
    const log: string[] = [];
    const asked: string[] = [];
    const fetchImage = deltaFetch({
      deltaUrl: "http://127.0.0.1:9/delta",
      store: { inspect: async () => undefined } as unknown as ImageStore,
      manifestDigest: async (ref) => {
        asked.push(ref);
        return `sha256:${"d".repeat(64)}`;
      },
      baseFor: (s) => (s.name === "web" ? "sha256:old" : undefined),
      trustedKeys: async () => [],
      tmpDir: dir,
      pull: async (s) => {
        pulled.push(s.image);
      },
      log: (l) => log.push(l),
    });
    const signal = new AbortController().signal;
    await fetchImage(service("db", { image: "db:2" }), () => {}, signal);
    await fetchImage(
      service("web", {
        image: "web:2",
        build: { context: "/src", dockerfile: "Dockerfile", args: {}, labels: {} },
      }),
      () => {},
      signal,
    );
    assert.deepEqual(pulled, ["db:2", "web:2"]);
    assert.deepEqual(log, []);
    await fetchImage(service("web", { image: "web:2" }), () => {}, signal);
    assert.deepEqual(pulled, ["db:2", "web:2", "web:2"]);
    assert.match(
      log[0] ?? "",
      /delta for web:2 not used \(.*sha256:old is no longer on the engine\): pulling/,
    );
    assert.deepEqual(asked, [], "nothing asked before the base is known to be there");
    assert.deepEqual(await readdir(dir), [], "work dirs of a killed agent are removed");
  }));
