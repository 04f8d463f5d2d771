// Trusted delta signing keys: every *.pub / *.pem file (ed25519, SPKI PEM) in a directory.
import type { KeyObject } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parsePublicKey } from "../delta/signature.ts";
import { EvError } from "../errors.ts";

export const DEFAULT_KEYS_DIR = "/etc/edgevisor/delta-keys";

export async function loadTrustedKeys(dir: string | undefined): Promise<KeyObject[]> {
  if (!dir) return [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new EvError("EV_CONFIG_INVALID", `cannot read trusted key directory ${dir}`, {
      cause: e,
    });
  }
  const keys: KeyObject[] = [];
  for (const name of names.filter((n) => n.endsWith(".pub") || n.endsWith(".pem")).sort()) {
    const file = join(dir, name);
    keys.push(parsePublicKey(await readFile(file, "utf8"), file));
  }
  return keys;
}
