// Looking up and changing settings of a Raspberry Pi config.txt through the round-trip model
// of config-txt.ts: untouched lines come back byte for byte, changed lines are re-rendered,
// new lines go after the last line of their section ([all] unless told otherwise).
//
// The firmware applies a `dtparam=` line to the base device tree only until the first
// `dtoverlay=<name>`; after it, dtparams set that overlay's parameters (until an empty
// `dtoverlay=` returns to the base). So base parameters are only changed or added where the
// base tree is in effect, and every edit is checked not to move an existing dtparam line to
// another overlay.
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
  /** dtparam lines: the overlay they set parameters of; absent for the base device tree. */
  overlay?: string;
}

/** The section filter each line sits under: "all" before the first filter. */
function sections(lines: readonly ConfigTxtLine[]): string[] {
  let current = "all";
  return lines.map((l) => (l.kind === "section" ? (current = l.filter) : current));
}

/** The overlay a dtparam placed right after each line would apply to (undefined: the base). */
function overlayAfter(lines: readonly ConfigTxtLine[]): (string | undefined)[] {
  let current: string | undefined;
  return lines.map((l) => {
    if (l.kind === "dtoverlay") current = l.overlay || undefined;
    return current;
  });
}

/** The overlay in effect at insertion index `p` (before lines[p]). */
function overlayAt(after: readonly (string | undefined)[], p: number): string | undefined {
  return p > 0 ? after[p - 1] : undefined;
}

/**
 * `key` is a setting name ("gpu_mem"), "dtoverlay" or "dtparam" (every such line),
 * "dtoverlay.<overlay>" (that overlay's lines) or "dtparam.<name>" (that base parameter).
 */
export function lookupTxt(model: ConfigTxt, key: string): TxtMatch[] {
  const secs = sections(model.lines);
  const ctx = overlayAfter(model.lines);
  const out: TxtMatch[] = [];
  const [head, sub] = splitKey(key);
  model.lines.forEach((l, i) => {
    const text = l.raw ?? renderLine(l);
    const at = { line: l.line, section: secs[i]!, text };
    const overlay = overlayAt(ctx, i);
    if (head === "dtoverlay" && l.kind === "dtoverlay" && (!sub || l.overlay === sub))
      out.push({ ...at, value: params(l.params) || undefined });
    else if (head === "dtparam" && l.kind === "dtparam") {
      if (!sub) out.push({ ...at, value: params(l.params), ...(overlay ? { overlay } : {}) });
      else if (!overlay)
        for (const p of l.params.filter((x) => x.name === sub))
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
 *   dtparam audio=on,spi=on       → each base parameter updated where it is, the rest added
 *                                   where the base device tree is in effect
 *   dtparam.audio on              → same as dtparam audio=on
 */
export function setTxt(model: ConfigTxt, key: string, value: string, section = "all"): ConfigTxt {
  if (/[\r\n]/.test(value) || /[\r\n[\]]/.test(section))
    throw new EvError("EV_USAGE", "a config.txt value or section is one line, without brackets");
  const [head, sub] = splitKey(key);
  let next: ConfigTxt;
  if (head === "dtparam") {
    const parsed = parseLineAlone(`dtparam=${sub ? `${sub}=${value}` : value}`);
    if (parsed.kind !== "dtparam") throw badValue(key, value, parsed);
    next = setDtparams(model, parsed.params, section);
  } else if (head === "dtoverlay") {
    const text = sub ? [sub, value].filter(Boolean).join(",") : value;
    const parsed = parseLineAlone(`dtoverlay=${text}`);
    if (parsed.kind !== "dtoverlay" || !parsed.overlay) throw badValue(key, value, parsed);
    next = setOverlay(model, parsed, section);
  } else {
    if (!KEY.test(key))
      throw new EvError("EV_USAGE", `"${key}" is not a config.txt key`, {
        hint: "keys are letters, digits and _ (e.g. gpu_mem, hdmi_mode:0); use dtoverlay or dtparam for device tree settings",
      });
    next = replaceOrAdd(model, section, (l) => l.kind === "setting" && l.key === key, {
      kind: "setting",
      key,
      value,
      line: 0,
      eol: "\n",
    });
  }
  assertDtparamsStay(model, next);
  return next;
}

function parseLineAlone(text: string): ConfigTxtLine {
  return parseConfigTxt(text).lines[0]!;
}

function badValue(key: string, value: string, parsed: ConfigTxtLine): EvError {
  const reason = parsed.kind === "invalid" ? parsed.reason : "not a valid value";
  return new EvError("EV_CONFIG_INVALID", `${key} "${value}": ${reason}`);
}

function setOverlay(model: ConfigTxt, line: ConfigTxtLine, section: string): ConfigTxt {
  const name = line.kind === "dtoverlay" ? line.overlay : "";
  const secs = sections(model.lines);
  const same = model.lines.filter(
    (l, i) => secs[i] === section && l.kind === "dtoverlay" && l.overlay === name,
  );
  if (same.length > 1)
    throw new EvError(
      "EV_USAGE",
      `dtoverlay ${name} appears ${same.length} times under [${section}] (lines ${same.map((l) => l.line).join(", ")}): set cannot tell which one to change`,
      { hint: "edit that file by hand, then check it with edgevisor config validate" },
    );
  return replaceOrAdd(model, section, (l) => l.kind === "dtoverlay" && l.overlay === name, line);
}

function setDtparams(model: ConfigTxt, wanted: DtParam[], section: string): ConfigTxt {
  const secs = sections(model.lines);
  const ctx = overlayAfter(model.lines);
  const lines = [...model.lines];
  const missing: DtParam[] = [];
  for (const p of wanted) {
    let found = false;
    lines.forEach((l, i) => {
      if (secs[i] !== section || l.kind !== "dtparam" || overlayAt(ctx, i) !== undefined) return;
      if (!l.params.some((x) => x.name === p.name)) return;
      found = true;
      lines[i] = rebuilt(l, { params: l.params.map((x) => (x.name === p.name ? p : x)) });
    });
    if (!found) missing.push(p);
  }
  const next = { ...model, lines };
  if (missing.length === 0) return next;
  const line: ConfigTxtLine = { kind: "dtparam", params: missing, line: 0, eol: "\n" };
  return insert(next, section, line, true);
}

function replaceOrAdd(
  model: ConfigTxt,
  section: string,
  matches: (l: ConfigTxtLine) => boolean,
  line: ConfigTxtLine,
): ConfigTxt {
  const secs = sections(model.lines);
  let found = false;
  const lines = model.lines.map((l, i) => {
    if (secs[i] !== section || !matches(l)) return l;
    found = true;
    const { raw: _raw, ...fresh } = line;
    return { ...fresh, line: l.line, eol: l.eol } as ConfigTxtLine;
  });
  return found ? { ...model, lines } : insert(model, section, line, false);
}

/** A changed copy of a line: without `raw`, so it is rendered anew. */
function rebuilt<L extends ConfigTxtLine>(l: L, change: Partial<L>): L {
  const { raw: _raw, ...rest } = { ...l, ...change };
  return rest as L;
}

/**
 * Insert after the last non-blank line of `section` (for a base dtparam: the last such place
 * where the base device tree is in effect), or append the section at the end of the file.
 */
function insert(model: ConfigTxt, section: string, line: ConfigTxtLine, base: boolean): ConfigTxt {
  const secs = sections(model.lines);
  const ctx = overlayAfter(model.lines);
  const eol = model.lines.find((l) => l.eol !== "")?.eol ?? "\n";
  const lines = [...model.lines];
  // Insertion index p means "before lines[p]"; p belongs to the section of lines[p - 1].
  let at = -1;
  for (let p = 1; p <= lines.length; p++) {
    const inSection = secs[p - 1] === section && lines[p - 1]!.kind !== "blank";
    if (inSection && (!base || overlayAt(ctx, p) === undefined)) at = p;
  }
  if (at < 0 && base && section === "all" && secs.length > 0 && secs[0] === "all") at = 0;
  const added: ConfigTxtLine[] = [];
  if (at < 0) {
    at = lines.length;
    if ((secs[secs.length - 1] ?? "all") !== section)
      added.push({ kind: "section", filter: section, line: 0, eol });
    if (base && overlayAt(ctx, at) !== undefined)
      added.push({ kind: "dtoverlay", overlay: "", params: [], line: 0, eol });
  }
  added.push(line);
  // A file without a final line break keeps that property: the break moves before the new lines.
  const prev = lines[at - 1];
  const atEnd = at === lines.length && prev?.eol === "";
  if (prev && prev.eol === "") lines[at - 1] = { ...prev, eol };
  added.forEach((l, i) => (l.eol = atEnd && i === added.length - 1 ? "" : eol));
  lines.splice(at, 0, ...added);
  return { ...model, lines };
}

/** Refuse an edit that would make an existing dtparam line apply to another overlay. */
function assertDtparamsStay(before: ConfigTxt, after: ConfigTxt): void {
  const was = new Map<ConfigTxtLine, string | undefined>();
  const ctxBefore = overlayAfter(before.lines);
  before.lines.forEach((l, i) => l.kind === "dtparam" && was.set(l, overlayAt(ctxBefore, i)));
  const ctxAfter = overlayAfter(after.lines);
  after.lines.forEach((l, i) => {
    if (!was.has(l) || was.get(l) === overlayAt(ctxAfter, i)) return;
    const from = was.get(l) ?? "the base device tree";
    const to = overlayAt(ctxAfter, i) ?? "the base device tree";
    throw new EvError(
      "EV_USAGE",
      `the change would make line ${l.line} (${l.raw ?? renderLine(l)}) apply to ${to} instead of ${from}`,
      {
        hint: "dtparam lines set the parameters of the dtoverlay above them; edit that file by hand",
      },
    );
  });
}
