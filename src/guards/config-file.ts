// Device config files on disk: read, validate, look up, change. A change is validated in full
// before anything is written; then the previous content goes to `<file>.bak` and the new one
// replaces the file, both with write-temp, fsync, rename, fsync-dir. A refused change leaves
// the file byte-identical.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { EvError } from "../errors.ts";
import { atomicWriteFile } from "../util/atomic-write.ts";
import type { ConfigFinding } from "./config-json.ts";
import { formatFinding, parseLocatedJson, validateConfigJson } from "./config-json.ts";
import { getPath, parseCliValue, parseKeyPath, renderLike, setPath } from "./config-json-edit.ts";
import { parseConfigTxt, serializeConfigTxt, validateConfigTxt } from "./config-txt.ts";
import { lookupTxt, setTxt, type TxtMatch } from "./config-txt-edit.ts";

export type ConfigType = "json" | "txt";

/** By --type, else by name: config.json / config.txt (or any .json / .txt file). */
export function configTypeOf(file: string, type?: string): ConfigType {
  if (type !== undefined) {
    if (type === "json" || type === "txt") return type;
    throw new EvError("EV_USAGE", `unknown --type "${type}"`, { hint: "use json or txt" });
  }
  const ext = path.extname(file).toLowerCase();
  if (ext === ".json") return "json";
  if (ext === ".txt") return "txt";
  throw new EvError("EV_USAGE", `cannot tell whether ${file} is a config.json or a config.txt`, {
    hint: "pass --type json or --type txt",
  });
}

export function validateText(type: ConfigType, text: string, file: string): ConfigFinding[] {
  return type === "json"
    ? validateConfigJson(text, file).findings
    : validateConfigTxt(text, file).findings;
}

/** "config.json: 2 errors\n  config.json:3:12: error: …" as an EV_CONFIG_INVALID. */
export function invalidError(
  file: string,
  findings: ConfigFinding[],
  preface = "",
  hint: string | undefined = `${file} was not changed`,
): EvError {
  const errors = findings.filter((f) => f.severity === "error");
  const count = `${errors.length} error${errors.length === 1 ? "" : "s"}`;
  const lines = findings.map((f) => `  ${formatFinding(f)}`).join("\n");
  return new EvError(
    "EV_CONFIG_INVALID",
    `${preface}${file}: ${count}\n${lines}`,
    hint ? { hint } : {},
  );
}

export interface ConfigContent {
  bytes: Buffer;
  text: string;
  /** utf8, or latin1 for a file that is not valid UTF-8 (so its bytes survive a round trip). */
  encoding: "utf8" | "latin1";
}

export async function readConfig(file: string): Promise<ConfigContent> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EvError("EV_USAGE", `cannot read ${file}${code ? ` (${code})` : ""}`, { cause: e });
  }
  const text = bytes.toString("utf8");
  return Buffer.from(text, "utf8").equals(bytes)
    ? { bytes, text, encoding: "utf8" }
    : { bytes, text: bytes.toString("latin1"), encoding: "latin1" };
}

export type GetResult =
  { type: "json"; key: string; value: unknown } | { type: "txt"; key: string; matches: TxtMatch[] };

/** Look a key up; EV_CONFIG_KEY_MISSING when absent, EV_CONFIG_INVALID when JSON is broken. */
export function getConfigValue(
  type: ConfigType,
  text: string,
  file: string,
  key: string,
): GetResult {
  const missing = () => new EvError("EV_CONFIG_KEY_MISSING", `${key} is not set in ${file}`);
  if (type === "txt") {
    const matches = lookupTxt(parseConfigTxt(text, file), key);
    if (matches.length === 0) throw missing();
    return { type, key, matches };
  }
  const path = parseKeyPath(key);
  let doc: unknown;
  try {
    doc = parseLocatedJson(text).value;
  } catch {
    throw invalidError(file, validateText("json", text, file), "", undefined);
  }
  const found = getPath(doc, path);
  if (!found.found) throw missing();
  return { type, key, value: found.value };
}

export interface SetOptions {
  /** config.txt section filter the setting belongs to; "all" by default. */
  section?: string;
}

export interface SetOutcome {
  changed: boolean;
  /** Warnings of the new content (errors refuse the change). */
  warnings: ConfigFinding[];
  backup?: string;
}

/** The file's new text after setting key=value, validated; throws without writing anything. */
export function changedText(
  type: ConfigType,
  text: string,
  file: string,
  key: string,
  value: string,
  opts: SetOptions = {},
): string {
  if (type === "txt") {
    const next = serializeConfigTxt(setTxt(parseConfigTxt(text, file), key, value, opts.section));
    return checked(type, next, file);
  }
  if (opts.section !== undefined)
    throw new EvError("EV_USAGE", "--section applies to config.txt only");
  const before = validateConfigJson(text, file);
  let doc: unknown;
  try {
    doc = parseLocatedJson(text).value;
  } catch {
    throw invalidError(file, before.findings, "cannot change a file that is not JSON: ");
  }
  const next = renderLike(text, setPath(doc, parseKeyPath(key), parseCliValue(value)));
  return checked(type, next, file);
}

function checked(type: ConfigType, next: string, file: string): string {
  const findings = validateText(type, next, file);
  if (findings.some((f) => f.severity === "error"))
    throw invalidError(file, findings, "refused, the result would be invalid: ");
  return next;
}

/** Set a key in the file: validate, back up, replace atomically. Nothing is written on error. */
export async function setConfigValue(
  file: string,
  type: ConfigType,
  key: string,
  value: string,
  opts: SetOptions = {},
): Promise<SetOutcome> {
  const { bytes, text, encoding } = await readConfig(file);
  const next = changedText(type, text, file, key, value, opts);
  const warnings = validateText(type, next, file).filter((f) => f.severity === "warning");
  if (next === text) return { changed: false, warnings };
  const mode = (await stat(file)).mode & 0o777;
  const backup = `${file}.bak`;
  await atomicWriteFile(backup, bytes, mode);
  await atomicWriteFile(file, Buffer.from(next, encoding), mode);
  return { changed: true, warnings, backup };
}
