// Parse `.env` / env_file text: KEY=VALUE lines, `#` comments, optional `export `,
// 'single quotes' taken literally, "double quotes" with \n \t \" \\ escapes. Unquoted and
// double-quoted values are interpolated ($VAR, ${VAR:-x}) against earlier keys of the same
// file, then `lookup`. Pure: the caller reads the file.
import { interpolate, type Lookup } from "./interpolate.ts";

export interface DotenvIssue {
  line: number;
  column: number;
  message: string;
}

export interface DotenvResult {
  vars: Record<string, string>;
  issues: DotenvIssue[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };

export function parseDotenv(text: string, lookup: Lookup = () => undefined): DotenvResult {
  const vars: Record<string, string> = {};
  const issues: DotenvIssue[] = [];
  const scoped: Lookup = (name) => (Object.hasOwn(vars, name) ? vars[name] : lookup(name));
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const body = trimmed.replace(/^export\s+/, "");
    const eq = body.indexOf("=");
    const column = raw.indexOf(trimmed) + 1;
    if (eq < 0) {
      issues.push({ line, column, message: `expected KEY=VALUE, got "${trimmed}"` });
      return;
    }
    const key = body.slice(0, eq).trim();
    if (!KEY.test(key)) {
      issues.push({ line, column, message: `"${key}" is not a valid variable name` });
      return;
    }
    const value = parseValue(body.slice(eq + 1).trim(), scoped);
    if (typeof value === "string") vars[key] = value;
    else issues.push({ line, column, message: `${key}: ${value.error}` });
  });
  return { vars, issues };
}

function parseValue(text: string, lookup: Lookup): string | { error: string } {
  if (text.startsWith("'")) {
    const end = text.indexOf("'", 1);
    return end < 0 ? { error: "unterminated single quote" } : text.slice(1, end);
  }
  if (text.startsWith('"')) {
    let out = "";
    for (let i = 1; i < text.length; i++) {
      const c = text[i] as string;
      if (c === '"') return expand(out, lookup);
      if (c === "\\" && i + 1 < text.length && ESCAPES[text[i + 1] as string] !== undefined) {
        out += ESCAPES[text[i + 1] as string];
        i++;
      } else out += c;
    }
    return { error: "unterminated double quote" };
  }
  const comment = text.search(/\s#/);
  return expand((comment < 0 ? text : text.slice(0, comment)).trim(), lookup);
}

function expand(text: string, lookup: Lookup): string | { error: string } {
  const r = interpolate(text, lookup);
  return r.ok ? r.value : { error: r.error };
}
