// `edgevisor delta create|keygen|inspect`.
import { createWriteStream } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import type { Command } from "commander";
import { openDelta } from "../delta/container.ts";
import { generateSigningKey, parsePrivateKey } from "../delta/signature.ts";
import { EvError } from "../errors.ts";
import { mallocReturnsLargeBlocks } from "../guards/agent-self.ts";
import { DeltaCache } from "../images/delta-cache.ts";
import { createDelta } from "../images/delta-create.ts";
import { createDeltaServer } from "../images/delta-server.ts";
import { createDeltaInWorker } from "../images/delta-worker.ts";
import { formatBytes } from "./progress.ts";
import {
  DEFAULT_KEYS_DIR,
  imageStoreFromEnv,
  loadTrustedKeys,
  socketPathFromEnv,
  progressFor,
  trustedKeysDir,
} from "./image.ts";

const collect = (v: string, acc: string[]) => [...acc, v];

function parseLevel(text: string | undefined): number | undefined {
  const level = text === undefined ? undefined : Number(text);
  if (level !== undefined && !(Number.isInteger(level) && level >= 1 && level <= 22))
    throw new EvError("EV_USAGE", `--level must be 1–22, got ${text}`);
  return level;
}

export function registerDelta(program: Command): void {
  const delta = program.command("delta").description("binary deltas between two images");

  delta
    .command("create")
    .description("make a delta from image OLD to image NEW (both on the engine)")
    .argument("<old>", "base image the device has")
    .argument("<new>", "target image")
    .option("-o, --output <file>", "delta file to write (default: stdout when piped)")
    .option(
      "--tag <tag>",
      "tag for the rebuilt image (repeatable; default NEW's tags)",
      collect,
      [],
    )
    .option("--sign-key <file>", "ed25519 private key (PEM) to sign the manifest with")
    .option("--level <n>", "zstd level 1–22 (default 19)")
    .option("--json", "NDJSON progress and result")
    .action(
      async (
        oldRef: string,
        newRef: string,
        opts: { output?: string; tag: string[]; signKey?: string; level?: string; json?: boolean },
      ) => {
        if (!opts.output && process.stdout.isTTY)
          throw new EvError("EV_USAGE", "refusing to write a delta to a terminal", {
            hint: "give -o FILE or pipe the output",
          });
        if (!opts.output && opts.json)
          throw new EvError("EV_USAGE", "--json needs -o FILE (stdout carries the JSON)");
        const level = parseLevel(opts.level);
        const signKey = opts.signKey
          ? parsePrivateKey(await readFile(opts.signKey, "utf8"), opts.signKey)
          : undefined;
        const store = imageStoreFromEnv(process.env);
        const progress = progressFor(opts.json);
        const partial = opts.output ? `${opts.output}.partial` : undefined;
        const out: Writable = partial ? createWriteStream(partial) : process.stdout;
        try {
          const r = await createDelta(store, oldRef, newRef, out, {
            ...(opts.tag.length ? { tags: opts.tag } : {}),
            ...(signKey ? { signKey } : {}),
            ...(level ? { level } : {}),
            largeFramesOnWorker: mallocReturnsLargeBlocks(process.env),
            progress,
          });
          if (partial && opts.output) {
            await finished(out);
            await rename(partial, opts.output);
          }
          const ratio = r.newLayerBytes > 0 ? (r.deltaBytes / r.newLayerBytes) * 100 : 0;
          const text = [
            `delta ${r.base.slice(0, 19)} → ${r.target.slice(0, 19)}: ${formatBytes(r.deltaBytes)}`,
            `(${r.layers.shipped} layer(s) shipped, ${formatBytes(r.newLayerBytes)} uncompressed, ${ratio.toFixed(2)}%; ${r.layers.shared} shared with the base)`,
            opts.output ? `→ ${opts.output}` : "",
          ]
            .filter(Boolean)
            .join(" ");
          if (opts.output || opts.json) progress.result(text, { ...r, file: opts.output ?? null });
          else process.stderr.write(`${text}\n`);
        } catch (e) {
          if (partial) {
            out.destroy();
            await rm(partial, { force: true });
          }
          throw e;
        } finally {
          progress.close();
        }
      },
    );

  delta
    .command("serve")
    .description(
      "serve deltas over HTTP: GET /?src=<image id>&dest=<image id | name@sha256:manifest digest>, computed on first request and cached",
    )
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port to listen on (0: any free port)", "8420")
    .option("--cache-dir <dir>", "where computed deltas are kept", ".edgevisor/delta-cache")
    .option("--sign-key <file>", "ed25519 private key (PEM) to sign every delta with")
    .option("--level <n>", "zstd level 1–22 (default 19)")
    .action(
      async (opts: {
        host: string;
        port: string;
        cacheDir: string;
        signKey?: string;
        level?: string;
      }) => {
        const level = parseLevel(opts.level);
        const signKeyPem = opts.signKey ? await readFile(opts.signKey, "utf8") : undefined;
        if (signKeyPem && opts.signKey) parsePrivateKey(signKeyPem, opts.signKey);
        const store = imageStoreFromEnv(process.env);
        const socketPath = socketPathFromEnv(process.env);
        const cache = new DeltaCache(opts.cacheDir, (base, target, file) =>
          createDeltaInWorker({
            socketPath,
            base,
            target,
            file,
            ...(level ? { level } : {}),
            ...(signKeyPem ? { signKeyPem } : {}),
            largeFramesOnWorker: mallocReturnsLargeBlocks(process.env),
          }),
        );
        const server = createDeltaServer({
          cache,
          resolveImage: async (ref) => (await store.inspect(ref))?.id,
          log: (line) => process.stderr.write(`${line}\n`),
        });
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(Number(opts.port), opts.host, resolve);
        });
        const addr = server.address();
        const port = typeof addr === "object" && addr ? addr.port : opts.port;
        process.stdout.write(`serving deltas on http://${opts.host}:${port}/?src=…&dest=…\n`);
        await new Promise<void>((resolve) => {
          const stop = () => server.close(() => resolve());
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
      },
    );

  delta
    .command("keygen")
    .description("make an ed25519 key pair for signing deltas: PREFIX.key (private), PREFIX.pub")
    .argument("<prefix>", "path prefix of the two files")
    .action(async (prefix: string) => {
      const k = generateSigningKey();
      await writeFile(`${prefix}.key`, k.privatePem, { mode: 0o600, flag: "wx" });
      await writeFile(`${prefix}.pub`, k.publicPem, { flag: "wx" });
      process.stdout.write(
        `key ${k.keyId}\n  private: ${prefix}.key (sign with: delta create --sign-key)\n  public:  ${prefix}.pub (copy to ${DEFAULT_KEYS_DIR}/ on devices)\n`,
      );
    });

  delta
    .command("inspect")
    .description("check a delta file (structure, digests, signature) and print its manifest")
    .argument("<file>", "delta file")
    .option("--trusted-keys <dir>", "directory of trusted ed25519 public keys")
    .action(async (file: string, opts: { trustedKeys?: string }) => {
      const trustedKeys = await loadTrustedKeys(trustedKeysDir(opts.trustedKeys, process.env));
      const d = await openDelta(file, { trustedKeys });
      process.stdout.write(
        `${JSON.stringify({ file, signedBy: d.signedBy ?? null, manifest: d.manifest }, null, 2)}\n`,
      );
    });
}
