// Compose variable interpolation for one string: $VAR, ${VAR}, ${VAR:-default},
// ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}, and $$ for a
// literal dollar. Defaults and alternatives may themselves contain ${...}. Pure.

export type Lookup = (name: string) => string | undefined;

export type InterpolationResult =
  | {
      ok: true;
      value: string;
      /** Variables used without a default that are not set. */ unset: string[];
    }
  | { ok: false; error: string };

const NAME_START = /[_A-Za-z]/;
const NAME = /^[_A-Za-z][_A-Za-z0-9]*/;
const OPERATORS = [":-", ":?", ":+", "-", "?", "+"] as const;

class InterpolationError extends Error {}

export function interpolate(text: string, lookup: Lookup): InterpolationResult {
  const unset: string[] = [];
  try {
    return { ok: true, value: expand(text, lookup, unset), unset };
  } catch (e) {
    if (e instanceof InterpolationError) return { ok: false, error: e.message };
    throw e;
  }
}

function expand(text: string, lookup: Lookup, unset: string[]): string {
  if (!text.includes("$")) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c !== "$") {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
    } else if (next !== undefined && NAME_START.test(next)) {
      const name = (NAME.exec(text.slice(i + 1)) as RegExpExecArray)[0];
      out += valueOf(name, lookup, unset);
      i += 1 + name.length;
    } else if (next === "{") {
      const end = closingBrace(text, i + 2);
      out += braced(text.slice(i + 2, end), lookup, unset);
      i = end + 1;
    } else {
      throw new InterpolationError(
        `invalid interpolation format in "${text}": a lone "$" (write "$$" for a literal dollar sign)`,
      );
    }
  }
  return out;
}

function valueOf(name: string, lookup: Lookup, unset: string[]): string {
  const v = lookup(name);
  if (v === undefined) {
    unset.push(name);
    return "";
  }
  return v;
}

/** Index of the "}" closing a "${" whose body starts at `start`, honouring nested ${...}. */
function closingBrace(text: string, start: number): number {
  let depth = 1;
  for (let j = start; j < text.length; j++) {
    if (text[j] === "$" && (text[j + 1] === "{" || text[j + 1] === "$")) {
      if (text[j + 1] === "{") depth++;
      j++;
    } else if (text[j] === "}") {
      depth--;
      if (depth === 0) return j;
    }
  }
  throw new InterpolationError(`invalid interpolation format in "${text}": "\${" is never closed`);
}

function braced(body: string, lookup: Lookup, unset: string[]): string {
  const m = NAME.exec(body);
  if (!m) throw new InterpolationError(`invalid interpolation format: "\${${body}}"`);
  const name = m[0];
  const rest = body.slice(name.length);
  if (rest === "") return valueOf(name, lookup, unset);
  const op = OPERATORS.find((o) => rest.startsWith(o));
  if (!op) throw new InterpolationError(`invalid interpolation format: "\${${body}}"`);
  const arg = rest.slice(op.length);
  const value = lookup(name);
  const isSet = value !== undefined;
  const nonEmpty = isSet && value !== "";
  switch (op) {
    case ":-":
      return nonEmpty ? value : expand(arg, lookup, unset);
    case "-":
      return isSet ? value : expand(arg, lookup, unset);
    case ":+":
      return nonEmpty ? expand(arg, lookup, unset) : "";
    case "+":
      return isSet ? expand(arg, lookup, unset) : "";
    case ":?":
    case "?": {
      const ok = op === ":?" ? nonEmpty : isSet;
      if (ok) return value as string;
      const why = expand(arg, lookup, unset);
      throw new InterpolationError(
        `required variable ${name} is ${isSet ? "empty" : "not set"}${why ? `: ${why}` : ""}`,
      );
    }
  }
}
