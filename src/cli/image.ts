// `edgevisor image save|load`: plain archives and deltas, checked before the engine sees
// them. Trusted delta keys: every *.pub / *.pem file in --trusted-keys (env
// EDGEVISOR_DELTA_KEYS, default /etc/edgevisor/delta-keys when it exists); with any key
// there, unsigned or wrongly signed deltas are refused.
import { createWriteStream, existsSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { EngineClient } from "../engine/api/index.ts";
import { EvError } from "../errors.ts";
import { DockerImageStore } from "../images/docker-store.ts";
import { loadImageFile } from "../images/load.ts";
import { DEFAULT_KEYS_DIR, loadTrustedKeys } from "../images/trusted-keys.ts";
import { createProgress, formatBytes, type ProgressReporter } from "./progress.ts";

export { DEFAULT_KEYS_DIR, loadTrustedKeys };

export function socketPathFromEnv(env: NodeJS.ProcessEnv): string {
  const host = env.DOCKER_HOST || "unix:///var/run/docker.sock";
  if (!host.startsWith("unix://"))
    throw new EvError("EV_USAGE", `only unix sockets are supported for the engine, got ${host}`);
  return host.slice("unix://".length);
}

export function imageStoreFromEnv(env: NodeJS.ProcessEnv): DockerImageStore {
  return new DockerImageStore(new EngineClient({ socketPath: socketPathFromEnv(env) }));
}

export function trustedKeysDir(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): string | undefined {
  if (flag) return flag;
  if (env.EDGEVISOR_DELTA_KEYS) return env.EDGEVISOR_DELTA_KEYS;
  return existsSync(DEFAULT_KEYS_DIR) ? DEFAULT_KEYS_DIR : undefined;
}

export function progressFor(json: boolean | undefined): ProgressReporter {
  return createProgress({ json: Boolean(json), out: process.stdout, err: process.stderr });
}

export function registerImage(program: Command): void {
  const image = program.command("image").description("save and load images (archives and deltas)");

  image
    .command("save")
    .description("save an image from the engine to a `docker save` archive")
    .argument("<image>", "image reference or id")
    .requiredOption("-o, --output <file>", "archive to write")
    .option("--json", "NDJSON progress and result")
    .action(async (ref: string, opts: { output: string; json?: boolean }) => {
      const store = imageStoreFromEnv(process.env);
      const progress = progressFor(opts.json);
      try {
        const info = await store.inspect(ref);
        if (!info) throw new EvError("EV_IMAGE_NOT_FOUND", `image ${ref} is not on the engine`);
        progress.phase(`save ${ref}`, info.size);
        const partial = `${opts.output}.partial`;
        let bytes = 0;
        const input = await store.save(ref);
        input.on("data", (c: Buffer) => progress.update((bytes += c.length)));
        try {
          await pipeline(input, createWriteStream(partial));
          await rename(partial, opts.output);
        } catch (e) {
          await rm(partial, { force: true });
          throw e;
        }
        progress.result(`saved ${ref} (${info.id}) to ${opts.output}: ${formatBytes(bytes)}`, {
          image: info.id,
          repoTags: info.repoTags,
          file: opts.output,
          bytes,
        });
      } finally {
        progress.close();
      }
    });

  image
    .command("load")
    .description(
      "load a delta or a `docker save` archive into the engine, after checking paths, digests and signature",
    )
    .requiredOption("-i, --input <file>", "delta or archive to load")
    .option(
      "--trusted-keys <dir>",
      `directory of trusted ed25519 public keys (env EDGEVISOR_DELTA_KEYS, default ${DEFAULT_KEYS_DIR})`,
    )
    .option(
      "--gzip-level <n>",
      "gzip level (0–9) of rebuilt layers handed to the engine: fewer bytes written to disk, more CPU",
      "6",
    )
    .option(
      "--no-import",
      "put a rebuilt bottom layer into `docker load` with the others instead of streaming it in by an import",
    )
    .option(
      "--no-borrow",
      "read the base image through a new reader container even when one of its containers exists",
    )
    .option("--json", "NDJSON progress and result")
    .action(
      async (opts: {
        input: string;
        trustedKeys?: string;
        gzipLevel: string;
        import: boolean;
        borrow: boolean;
        json?: boolean;
      }) => {
        const gzipLevel = Number(opts.gzipLevel);
        if (!Number.isInteger(gzipLevel) || gzipLevel < 0 || gzipLevel > 9)
          throw new EvError("EV_USAGE", `--gzip-level must be 0–9, got ${opts.gzipLevel}`);
        const store = imageStoreFromEnv(process.env);
        const trustedKeys = await loadTrustedKeys(trustedKeysDir(opts.trustedKeys, process.env));
        const progress = progressFor(opts.json);
        try {
          const r = await loadImageFile(store, opts.input, {
            trustedKeys,
            progress,
            gzipLevel,
            importBottom: opts.import,
            borrow: opts.borrow,
          });
          const names = r.images.map(
            (i) => `${i.id}${i.repoTags.length ? ` (${i.repoTags.join(", ")})` : ""}`,
          );
          const how =
            r.kind === "delta"
              ? `rebuilt from delta${r.alreadyPresent ? " (already present)" : ""}${r.signedBy ? `, signed by ${r.signedBy.slice(0, 16)}…` : ""}${r.borrowed ? `, base read through container ${r.borrowed}` : ""}`
              : "loaded archive";
          progress.result(`${how}: ${names.join("; ")}`, { ...r });
        } finally {
          progress.close();
        }
      },
    );
}
