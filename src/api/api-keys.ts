// API keys: one global key (full access) and one key per app (only that app's endpoints).
// Kept in <stateDir>/api-keys.json, mode 0600, written atomically; generated on first use.
// Keys are compared as SHA-256 digests with timingSafeEqual, against every stored key, so
// neither a key's length nor which key nearly matched shows in the response time.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmod, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { EvError } from "../errors.ts";
import { atomicWriteFile } from "../util/atomic-write.ts";

export type ApiIdentity = { kind: "global" } | { kind: "app"; appId: number };

export interface ApiKeysData {
  global: string;
  /** appId (decimal) → key. */
  apps: Record<string, string>;
}

interface Entry {
  digest: Buffer;
  identity: ApiIdentity;
}

export const API_KEYS_FILE = "api-keys.json";

export function generateApiKey(): string {
  return randomBytes(32).toString("hex");
}

function digest(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

export class ApiKeys {
  private data: ApiKeysData;
  private entries: Entry[] = [];
  private readonly file: string | undefined;
  /** Saves run one after another, each writing the data as it is then: the last one wins. */
  private saving: Promise<void> = Promise.resolve();

  private constructor(data: ApiKeysData, file: string | undefined) {
    this.data = data;
    this.file = file;
    this.index();
  }

  /** Keys held in memory only (tests, or an embedder that persists them itself). */
  static fromData(data: ApiKeysData): ApiKeys {
    return new ApiKeys({ global: data.global, apps: { ...data.apps } }, undefined);
  }

  /** Load <stateDir>/api-keys.json, creating it with a fresh global key when absent. */
  static async open(stateDir: string): Promise<ApiKeys> {
    const file = path.join(stateDir, API_KEYS_FILE);
    let text: string | undefined;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    if (text === undefined) {
      const keys = new ApiKeys({ global: generateApiKey(), apps: {} }, file);
      await keys.save();
      return keys;
    }
    const keys = new ApiKeys(parseKeysFile(file, text), file);
    // A copy restored from a backup may have lost its mode; keys are secrets.
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
    return keys;
  }

  get globalKey(): string {
    return this.data.global;
  }

  /** The key of `appId`, generated (and persisted) the first time it is asked for. */
  async appKey(appId: number): Promise<string> {
    const existing = this.data.apps[String(appId)];
    if (existing) return existing;
    const key = generateApiKey();
    this.data = { ...this.data, apps: { ...this.data.apps, [String(appId)]: key } };
    this.index();
    await this.save();
    return key;
  }

  /** Who presents `key`, or undefined. Constant time in the key and in where it matches. */
  identify(key: string | undefined): ApiIdentity | undefined {
    const presented = digest(key ?? "");
    let found: ApiIdentity | undefined;
    for (const e of this.entries) {
      // No early exit: every stored key is compared whatever the outcome.
      if (timingSafeEqual(presented, e.digest) && key) found = e.identity;
    }
    return found;
  }

  private index(): void {
    this.entries = [
      { digest: digest(this.data.global), identity: { kind: "global" } },
      ...Object.entries(this.data.apps).map(([appId, key]): Entry => ({
        digest: digest(key),
        identity: { kind: "app", appId: Number(appId) },
      })),
    ];
  }

  private save(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    const write = () => atomicWriteFile(file, `${JSON.stringify(this.data, null, 2)}\n`, 0o600);
    this.saving = this.saving.then(write, write);
    return this.saving;
  }
}

function parseKeysFile(file: string, text: string): ApiKeysData {
  const corrupt = (why: string) =>
    new EvError("EV_STATE_CORRUPT", `${file}: ${why}`, {
      hint: "move the file away; the agent writes a new one and apps get new keys on their next start",
    });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw corrupt((e as Error).message);
  }
  const o = raw as Partial<ApiKeysData> | null;
  if (!o || typeof o.global !== "string" || o.global.length < 16)
    throw corrupt("no global key of at least 16 characters");
  const apps: Record<string, string> = {};
  for (const [id, key] of Object.entries(o.apps ?? {})) {
    if (!/^[1-9][0-9]*$/.test(id) || typeof key !== "string" || key.length < 16)
      throw corrupt(`apps.${id}: expected a numeric app id and a key of at least 16 characters`);
    apps[id] = key;
  }
  return { global: o.global, apps };
}
