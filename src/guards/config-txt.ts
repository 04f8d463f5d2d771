// Raspberry Pi config.txt: parsed into a model that keeps every line (comments, blank
// lines, line endings) so it serialises back byte for byte, and validated so a mangled
// file is caught before the firmware reads it. This module only reads and returns text.
import type { ConfigFinding, FindingSeverity } from "./config-json.ts";

export interface DtParam {
  name: string;
  /** Undefined for a bare flag ("dtparam=i2c_arm" is "i2c_arm=on"). */
  value?: string;
}

interface LineBase {
  /** 1-based line number in the parsed file. */
  line: number;
  /** The line as it was, without its terminator; absent for lines built in code. */
  raw?: string;
  /** The line terminator that followed the line ("" on a last line without one). */
  eol: "" | "\n" | "\r\n";
}

export type ConfigTxtLine = LineBase &
  (
    | { kind: "blank" }
    | { kind: "comment"; text: string }
    | { kind: "section"; filter: string }
    | { kind: "include"; file: string }
    | { kind: "initramfs"; file: string; address: string }
    | { kind: "dtoverlay"; overlay: string; params: DtParam[] }
    | { kind: "dtparam"; params: DtParam[] }
    | { kind: "setting"; key: string; value: string }
    | { kind: "invalid"; reason: string }
  );

export interface ConfigTxt {
  file: string;
  lines: ConfigTxtLine[];
}

export interface ConfigTxtResult {
  /** True when there is no error (warnings allowed). */
  ok: boolean;
  model: ConfigTxt;
  findings: ConfigFinding[];
}

/** The firmware reads at most this many characters of a line. */
export const MAX_LINE_LENGTH = 98;

const MODEL_FILTERS = new Set([
  "all",
  "none",
  "tryboot",
  "pi0",
  "pi0w",
  "pi02",
  "pi1",
  "pi2",
  "pi3",
  "pi3+",
  "pi4",
  "pi400",
  "pi5",
  "pi500",
  "cm0",
  "cm1",
  "cm3",
  "cm3+",
  "cm4",
  "cm4s",
  "cm5",
]);
const PATTERN_FILTERS = [
  /^EDID=\S+$/,
  /^gpio\d+=[01]$/,
  /^HDMI:[01]$/,
  /^0x[0-9a-fA-F]{1,16}$/,
  /^board-type=0x[0-9a-fA-F]+$/,
  /^partition=\d+$/,
];

export function isKnownFilter(filter: string): boolean {
  return MODEL_FILTERS.has(filter) || PATTERN_FILTERS.some((p) => p.test(filter));
}

export function parseConfigTxt(text: string, file = "config.txt"): ConfigTxt {
  const lines: ConfigTxtLine[] = [];
  const re = /((?:[^\r\n]|\r(?!\n))*)(\r\n|\n|$)/g;
  let n = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const raw = m[1]!;
    const eol = m[2] as ConfigTxtLine["eol"];
    if (raw === "" && eol === "") break;
    lines.push({ ...parseLine(raw), line: ++n, raw, eol });
    if (eol === "") break;
  }
  return { file, lines };
}

type LineBody = ConfigTxtLine extends infer L
  ? L extends LineBase
    ? Omit<L, keyof LineBase>
    : never
  : never;

function parseLine(raw: string): LineBody {
  const t = raw.trim();
  if (t === "") return { kind: "blank" };
  if (t.startsWith("#")) return { kind: "comment", text: t.slice(1) };
  if (t.startsWith("[")) {
    if (!t.endsWith("]"))
      return { kind: "invalid", reason: "section filter without a closing ']'" };
    const filter = t.slice(1, -1).trim();
    if (!filter) return { kind: "invalid", reason: "empty section filter '[]'" };
    return { kind: "section", filter };
  }
  const word = /^(include|initramfs)(\s+(.*))?$/.exec(t);
  if (word) {
    const args = (word[3] ?? "").split(/\s+/).filter(Boolean);
    if (word[1] === "include")
      return args.length === 1
        ? { kind: "include", file: args[0]! }
        : { kind: "invalid", reason: "include takes exactly one file name" };
    if (args.length !== 2)
      return {
        kind: "invalid",
        reason: "initramfs takes a file name and an address (followkernel or 0x…)",
      };
    if (!/^(followkernel|0x[0-9a-fA-F]+)$/.test(args[1]!))
      return {
        kind: "invalid",
        reason: `initramfs address '${args[1]}' is neither followkernel nor 0x…`,
      };
    return { kind: "initramfs", file: args[0]!, address: args[1]! };
  }
  const eq = t.indexOf("=");
  if (eq < 0)
    return { kind: "invalid", reason: "expected key=value, a [filter], include or initramfs" };
  const key = t.slice(0, eq).trim();
  const value = t.slice(eq + 1).trim();
  if (!key) return { kind: "invalid", reason: "missing key before '='" };
  if (/\s/.test(key)) return { kind: "invalid", reason: `key '${key}' contains whitespace` };
  if (key === "dtoverlay") {
    if (value === "") return { kind: "dtoverlay", overlay: "", params: [] };
    const [overlay, ...rest] = value.split(",");
    const params = parseParams(rest);
    if (!overlay) return { kind: "invalid", reason: "dtoverlay without an overlay name" };
    if (typeof params === "string") return { kind: "invalid", reason: params };
    return { kind: "dtoverlay", overlay, params };
  }
  if (key === "dtparam") {
    if (value === "") return { kind: "invalid", reason: "dtparam without a parameter" };
    const params = parseParams(value.split(","));
    if (typeof params === "string") return { kind: "invalid", reason: params };
    return { kind: "dtparam", params };
  }
  return { kind: "setting", key, value };
}

/** name[=value] items, or the reason they are malformed. */
function parseParams(items: string[]): DtParam[] | string {
  const out: DtParam[] = [];
  for (const item of items) {
    const eq = item.indexOf("=");
    const name = (eq < 0 ? item : item.slice(0, eq)).trim();
    if (!name)
      return eq < 0 ? "empty parameter (two commas in a row?)" : `parameter '${item}' has no name`;
    out.push(eq < 0 ? { name } : { name, value: item.slice(eq + 1).trim() });
  }
  return out;
}

/** The canonical text of a line (used for lines built or changed in code). */
export function renderLine(l: ConfigTxtLine): string {
  const params = (ps: DtParam[]) =>
    ps.map((p) => (p.value === undefined ? p.name : `${p.name}=${p.value}`));
  switch (l.kind) {
    case "blank":
      return "";
    case "comment":
      return `#${l.text}`;
    case "section":
      return `[${l.filter}]`;
    case "include":
      return `include ${l.file}`;
    case "initramfs":
      return `initramfs ${l.file} ${l.address}`;
    case "dtoverlay":
      return `dtoverlay=${[l.overlay, ...params(l.params)].join(",")}`;
    case "dtparam":
      return `dtparam=${params(l.params).join(",")}`;
    case "setting":
      return `${l.key}=${l.value}`;
    case "invalid":
      return l.raw ?? "";
  }
}

/** Lines that kept their raw text come back verbatim, so an untouched file is byte-identical. */
export function serializeConfigTxt(model: ConfigTxt): string {
  return model.lines.map((l) => (l.raw ?? renderLine(l)) + l.eol).join("");
}

export function validateConfigTxt(text: string, file = "config.txt"): ConfigTxtResult {
  const model = parseConfigTxt(text, file);
  const findings: ConfigFinding[] = [];
  const add = (
    l: ConfigTxtLine,
    severity: FindingSeverity,
    key: string,
    message: string,
    column = 1,
  ) => findings.push({ severity, file, line: l.line, column, key, message });
  for (const l of model.lines) {
    const raw = l.raw ?? renderLine(l);
    const indent = raw.length - raw.trimStart().length + 1;
    if (raw.length > MAX_LINE_LENGTH)
      add(
        l,
        "warning",
        "",
        `line is ${raw.length} characters; the firmware reads only ${MAX_LINE_LENGTH}`,
      );
    switch (l.kind) {
      case "invalid":
        add(l, "error", "", l.reason, indent);
        break;
      case "section":
        if (!isKnownFilter(l.filter))
          add(
            l,
            "warning",
            `[${l.filter}]`,
            "unknown section filter; the firmware skips what follows until the next filter",
            indent,
          );
        break;
      case "setting":
      case "dtoverlay":
      case "dtparam": {
        const key = l.kind === "setting" ? l.key : l.kind;
        if (/\s=|=\s/.test(raw.slice(0, raw.indexOf("=") + 2)))
          add(l, "warning", key, "whitespace around '='; write key=value", indent);
        const hash = raw.indexOf("#");
        if (hash >= 0)
          add(
            l,
            "warning",
            key,
            "'#' after a value is not a comment; it becomes part of the value",
            hash + 1,
          );
        break;
      }
      default:
        break;
    }
  }
  return { ok: !findings.some((f) => f.severity === "error"), model, findings };
}
