// Looking up and changing settings of a Raspberry Pi config.txt through the round-trip model
// of config-txt.ts: untouched lines come back byte for byte, changed lines are re-rendered,
// new lines go after the last line of their section ([all] unless told otherwise).
import { EvError } from "../errors.ts";
import type { ConfigTxt, ConfigTxtLine, DtParam } from "./config-txt.ts";
import { parseConfigTxt, renderLine } from "./config-txt.ts";

/** One line that matched a lookup, with the section filter it sits under. */
export interface TxtMatch {
  line: number;
  section: string;
  text: string;
  /** The setting's value, the overlay's parameters, or the dtparam's value. */
  value: string | undefined;
}

/** The section filter each line sits under: "all" before the first filter. */
function sections(model: ConfigTxt): string[] {
  let current = "all";
  return model.lines.map((l) => (l.kind === "section" ? (current = l.filter) : current));
}

/**
 * `key` is a setting name ("gpu_mem"), "dtoverlay" or "dtparam" (every such line),
 * "dtoverlay.<overlay>" (that overlay's lines) or "dtparam.<name>" (that parameter).
 */
export function lookupTxt(model: ConfigTxt, key: string): TxtMatch[] {
  const secs = sections(model);
  const out: TxtMatch[] = [];
  const [head, sub] = splitKey(key);
  model.lines.forEach((l, i) => {
    const text = l.raw ?? renderLine(l);
    const at = { line: l.line, section: secs[i]!, text };
    if (head === "dtoverlay" && l.kind === "dtoverlay" && (!sub || l.overlay === sub))
      out.push({ ...at, value: params(l.params) || undefined });
    else if (head === "dtparam" && l.kind === "dtparam") {
      if (!sub) out.push({ ...at, value: params(l.params) });
      for (const p of sub ? l.params.filter((x) => x.name === sub) : [])
        out.push({ ...at, value: p.value ?? "on" });
    } else if (l.kind === "setting" && l.key === key) out.push({ ...at, value: l.value });
  });
  return out;
}

function splitKey(key: string): [string, string | undefined] {
  const m = /^(dtoverlay|dtparam)(?:\.(.+))?$/.exec(key);
  return m ? [m[1]!, m[2]] : [key, undefined];
}

function params(ps: DtParam[]): string {
  return ps.map((p) => (p.value === undefined ? p.name : `${p.name}=${p.value}`)).join(",");
}

const KEY = /^[A-Za-z0-9_][A-Za-z0-9_:.+-]*$/;

/**
 * Set `key` to `value` in `section` ("all" by default) and return the new model.
 *   gpu_mem 128                  → gpu_mem=128 (replacing every gpu_mem line of the section)
 *   dtoverlay vc4-kms-v3d,cma-256 → that overlay's line replaced, or a new dtoverlay= line
 *   dtparam audio=on,spi=on       → each parameter updated where it is, the rest on a new line
 *   dtparam.audio on              → same as dtparam audio=on
 */
export function setTxt(model: ConfigTxt, key: string, value: string, section = "all"): ConfigTxt {
  if (/[\r\n]/.test(value) || /[\r\n]/.test(section))
    throw new EvError("EV_USAGE", "a config.txt value is one line: no line breaks");
  const [head, sub] = splitKey(key);
  if (head === "dtparam") {
    const text = sub ? `${sub}=${value}` : value;
    const parsed = parseLineAlone(`dtparam=${text}`);
    if (parsed.kind !== "dtparam") throw badValue(key, value, parsed);
    return setDtparams(model, parsed.params, section);
  }
  if (head === "dtoverlay") {
    const parsed = parseLineAlone(
      `dtoverlay=${sub ? [sub, value].filter(Boolean).join(",") : value}`,
    );
    if (parsed.kind !== "dtoverlay" || !parsed.overlay) throw badValue(key, value, parsed);
    return replaceOrAdd(
      model,
      section,
      (l) => l.kind === "dtoverlay" && l.overlay === parsed.overlay,
      () => ({ ...parsed, line: 0, eol: "\n" }),
    );
  }
  if (!KEY.test(key))
    throw new EvError("EV_USAGE", `"${key}" is not a config.txt key`, {
      hint: "keys are letters, digits and _ (e.g. gpu_mem, hdmi_mode:0); use dtoverlay or dtparam for device tree settings",
    });
  return replaceOrAdd(
    model,
    section,
    (l) => l.kind === "setting" && l.key === key,
    () => ({ kind: "setting", key, value, line: 0, eol: "\n" }),
  );
}

function parseLineAlone(text: string): ConfigTxtLine {
  return parseConfigTxt(text).lines[0]!;
}

function badValue(key: string, value: string, parsed: ConfigTxtLine): EvError {
  const reason = parsed.kind === "invalid" ? parsed.reason : "not a valid value";
  return new EvError("EV_CONFIG_INVALID", `${key} "${value}": ${reason}`);
}

function setDtparams(model: ConfigTxt, wanted: DtParam[], section: string): ConfigTxt {
  const secs = sections(model);
  const lines = [...model.lines];
  const missing: DtParam[] = [];
  for (const p of wanted) {
    let found = false;
    lines.forEach((l, i) => {
      if (secs[i] !== section || l.kind !== "dtparam" || !l.params.some((x) => x.name === p.name))
        return;
      found = true;
      lines[i] = rebuilt(l, { params: l.params.map((x) => (x.name === p.name ? p : x)) });
    });
    if (!found) missing.push(p);
  }
  const next = { ...model, lines };
  if (missing.length === 0) return next;
  return insert(next, section, { kind: "dtparam", params: missing, line: 0, eol: "\n" });
}

function replaceOrAdd(
  model: ConfigTxt,
  section: string,
  matches: (l: ConfigTxtLine) => boolean,
  make: () => ConfigTxtLine,
): ConfigTxt {
  const secs = sections(model);
  let found = false;
  const lines = model.lines.map((l, i) => {
    if (secs[i] !== section || !matches(l)) return l;
    found = true;
    return { ...make(), line: l.line, eol: l.eol };
  });
  return found ? { ...model, lines } : insert(model, section, make());
}

/** A changed copy of a line: without `raw`, so it is rendered anew. */
function rebuilt<L extends ConfigTxtLine>(l: L, change: Partial<L>): L {
  const { raw: _raw, ...rest } = { ...l, ...change };
  return rest as L;
}

/** Insert after the last non-blank line of `section`, or append the section at the end. */
function insert(model: ConfigTxt, section: string, line: ConfigTxtLine): ConfigTxt {
  const secs = sections(model);
  const eol = model.lines.find((l) => l.eol !== "")?.eol ?? "\n";
  const lines = [...model.lines];
  let at = -1;
  lines.forEach((l, i) => {
    if (secs[i] === section && l.kind !== "blank") at = i;
  });
  const added: ConfigTxtLine[] = [];
  if (at < 0) {
    at = lines.length - 1;
    const last = secs[secs.length - 1] ?? "all";
    if (last !== section) added.push({ kind: "section", filter: section, line: 0, eol });
  }
  added.push(line);
  // A file without a final line break keeps that property: the break moves before the new lines.
  const prev = lines[at];
  const endsFile = at === lines.length - 1;
  if (prev && prev.eol === "") lines[at] = { ...prev, eol };
  added.forEach(
    (l, i) => (l.eol = endsFile && prev?.eol === "" && i === added.length - 1 ? "" : eol),
  );
  lines.splice(at + 1, 0, ...added);
  return { ...model, lines };
}
