// Shell scripts and RUN/CMD lines → command facts. Walks the tree-sitter bash AST: commands
// with their words and file redirections, pipelines, `&&`/`||` lists, if/else, while/until/for
// loops (with whether they sleep), functions (walked at their call sites, so a function
// called inside a loop is seen inside that loop) and `sh -c '…'` strings.
import { posix } from "node:path";
import type { CommandFact, Context, LoopCtx, Phase, Redirect, SourceFile, Word } from "./model.ts";
import type { Parsers, SyntaxNode } from "./parsers.ts";
import { locAtOffset } from "./source.ts";

export interface ShellInput {
  file: SourceFile;
  /** The shell text; an exact slice of the file starting at `baseOffset`, or an embedded
   * string (then positions are approximate, relative to the string's start). */
  text: string;
  baseOffset: number;
  phase: Phase;
  /** Variables known from the environment (Dockerfile ENV, compose `environment`). */
  env?: ReadonlyMap<string, string>;
  /** Context of the host code when the shell text is embedded (e.g. `os.system("…")`). */
  outer?: Pick<Context, "loops" | "onErrorPath">;
  /** Directory the shell starts in, when known (the Dockerfile's WORKDIR). */
  workdir?: string;
}

const WRAPPERS = new Set(["sudo", "exec", "nohup", "nice", "env", "timeout", "command", "stdbuf"]);
const SHELLS = new Set(["sh", "bash", "ash", "dash", "zsh"]);
const WRITE_OPS = new Set([">", ">>", "&>", "&>>", ">|"]);
const MAX_CALL_DEPTH = 4;

export function shellCommands(parsers: Parsers, input: ShellInput): CommandFact[] {
  const walker = new ShellWalker(parsers, input);
  return walker.run();
}

type Ctx = Pick<Context, "loops" | "onErrorPath">;

class ShellWalker {
  readonly #parsers: Parsers;
  readonly #input: ShellInput;
  readonly #vars = new Map<string, string>();
  readonly #functions = new Map<string, SyntaxNode>();
  readonly #called = new Set<string>();
  readonly #inlined = new Set<string>();
  #depth = 0;
  #cwd: string | null | undefined;

  constructor(parsers: Parsers, input: ShellInput) {
    this.#parsers = parsers;
    this.#input = input;
    this.#cwd = input.workdir;
    for (const [k, v] of input.env ?? []) this.#vars.set(k, v);
  }

  run(): CommandFact[] {
    const root = this.#parsers.bash(this.#input.text);
    for (const fn of root.descendantsOfType("function_definition")) {
      const name = fn?.childForFieldName("name")?.text;
      const body = fn?.childForFieldName("body");
      if (name && body) this.#functions.set(name, body);
    }
    const base: Ctx = this.#input.outer ?? { loops: [], onErrorPath: false };
    const out = this.#walk(root, base);
    for (const [name, body] of this.#functions) {
      if (!this.#called.has(name)) out.push(...this.#walk(body, base));
    }
    return out;
  }

  /** A function body walked again in the same context yields the same facts; walking it
   * once per context keeps helper-heavy scripts linear. */
  #firstInline(name: string, ctx: Ctx): boolean {
    const loops = ctx.loops.map((l) => `${l.loc.line}:${l.loc.column}`).join(",");
    const key = `${name}|${ctx.onErrorPath}|${loops}`;
    if (this.#inlined.has(key)) return false;
    this.#inlined.add(key);
    return true;
  }

  #loc(node: SyntaxNode): CommandFact["loc"] {
    const base = this.#input.baseOffset;
    return locAtOffset(this.#input.file, base + node.startIndex, base + node.endIndex);
  }

  /** Walks a node; returns the commands it produced, in order. */
  #walk(node: SyntaxNode, ctx: Ctx): CommandFact[] {
    switch (node.type) {
      case "comment":
      case "heredoc_body":
      case "function_definition":
        return [];
      case "command":
        return this.#command(node, ctx, []);
      case "variable_assignment":
        this.#assign(node);
        return [];
      case "declaration_command":
        for (const c of node.namedChildren) if (c?.type === "variable_assignment") this.#assign(c);
        return [];
      case "redirected_statement":
        return this.#redirected(node, ctx);
      case "list":
        return this.#list(node, ctx);
      case "pipeline":
        return this.#pipeline(node, ctx);
      case "while_statement":
      case "for_statement":
      case "c_style_for_statement":
        return this.#loop(node, ctx);
      case "if_statement":
      case "elif_clause":
        return this.#if(node, ctx);
      case "else_clause":
        return this.#children(node, { ...ctx, onErrorPath: true });
      default:
        return this.#children(node, ctx);
    }
  }

  #children(node: SyntaxNode, ctx: Ctx): CommandFact[] {
    const out: CommandFact[] = [];
    for (const c of node.namedChildren) if (c) out.push(...this.#walk(c, ctx));
    return out;
  }

  #assign(node: SyntaxNode): void {
    const name = node.childForFieldName("name")?.text;
    const value = node.childForFieldName("value");
    if (name) this.#vars.set(name, value ? this.#word(value).value : "");
  }

  #redirected(node: SyntaxNode, ctx: Ctx): CommandFact[] {
    const redirects: Redirect[] = [];
    for (const c of node.namedChildren) {
      if (c?.type === "file_redirect") {
        const r = this.#redirect(c);
        if (r) redirects.push(r);
      }
    }
    const body = node.childForFieldName("body");
    if (!body) return [];
    if (body.type === "command") return this.#command(body, ctx, redirects);
    const inner = this.#walk(body, ctx);
    if (body.type === "list" || body.type === "pipeline") {
      // tree-sitter hangs `a && b > f` on the whole list; bash binds it to the last command.
      const last = body.namedChildren.at(-1);
      const from = last ? this.#loc(last) : undefined;
      for (const f of inner) {
        const after =
          from &&
          (f.loc.line > from.line || (f.loc.line === from.line && f.loc.column >= from.column));
        if (after && f.loc.file === from.file) f.redirects.push(...redirects);
      }
      return inner;
    }
    // `while …; do …; done > file`: every command of the body writes there.
    for (const f of inner) f.redirects.push(...redirects);
    return inner;
  }

  #redirect(node: SyntaxNode): Redirect | undefined {
    let op = "";
    let fd: string | undefined;
    let dest: SyntaxNode | null = null;
    for (const c of node.children) {
      if (!c) continue;
      if (c.type === "file_descriptor") fd = c.text;
      else if (!c.isNamed) op = c.text;
      else dest ??= c;
    }
    const field = node.childForFieldName("destination");
    if (field) dest = field;
    if (!WRITE_OPS.has(op) || !dest) return undefined;
    const r: Redirect = { op, target: this.#word(dest) };
    if (fd !== undefined) r.fd = fd;
    return r;
  }

  #list(node: SyntaxNode, ctx: Ctx): CommandFact[] {
    const out: CommandFact[] = [];
    let errorPath = ctx.onErrorPath;
    for (const c of node.children) {
      if (!c) continue;
      if (!c.isNamed) {
        if (c.text === "||") errorPath = true;
        else if (c.text === "&&") errorPath = ctx.onErrorPath;
        continue;
      }
      out.push(...this.#walk(c, { ...ctx, onErrorPath: errorPath }));
    }
    return out;
  }

  #pipeline(node: SyntaxNode, ctx: Ctx): CommandFact[] {
    const out: CommandFact[] = [];
    let previous: CommandFact[] = [];
    for (const c of node.namedChildren) {
      if (!c) continue;
      const facts = this.#walk(c, ctx);
      const last = previous.at(-1);
      const first = facts[0];
      if (last && first) last.pipedTo = first;
      out.push(...facts);
      previous = facts;
    }
    return out;
  }

  #loop(node: SyntaxNode, ctx: Ctx): CommandFact[] {
    const keyword = node.child(0)?.text ?? "while";
    const body = node.childForFieldName("body");
    const condition = node.namedChildren.filter((c): c is SyntaxNode => !!c && c.id !== body?.id);
    let infinite = false;
    if (node.type === "while_statement") {
      const cond = condition.map((c) => c.text.trim()).join(" ");
      infinite =
        keyword === "until"
          ? cond === "false"
          : ["true", ":", "[ 1 ]", "[ true ]", "((1))"].includes(cond);
    } else if (node.type === "c_style_for_statement") {
      infinite = !node.childForFieldName("condition");
    }
    const sleep = this.#sleepIn(node);
    const loop: LoopCtx = {
      kind: keyword === "until" ? "until" : node.type === "while_statement" ? "while" : "for",
      infinite,
      sleeps: sleep.sleeps,
      loc: this.#loc(node.child(0) ?? node),
    };
    if (sleep.min !== undefined) loop.minSleepSeconds = sleep.min;
    const inner: Ctx = { ...ctx, loops: [...ctx.loops, loop] };
    const out: CommandFact[] = [];
    for (const c of condition) out.push(...this.#walk(c, inner));
    if (body) out.push(...this.#walk(body, inner));
    return out;
  }

  /** Does a loop wait between passes? Looks at its commands and the functions it calls. */
  #sleepIn(node: SyntaxNode, seen = new Set<string>()): { sleeps: boolean; min?: number } {
    let sleeps = false;
    let min: number | undefined;
    for (const cmd of node.descendantsOfType("command")) {
      const name = cmd?.childForFieldName("name")?.text;
      if (!cmd || !name) continue;
      const base = name.split("/").pop() ?? name;
      if (base === "sleep" || base === "usleep" || base === "inotifywait") {
        sleeps = true;
        const arg = cmd.childForFieldName("argument");
        const secs = arg ? sleepSeconds(this.#word(arg).value, base === "usleep") : undefined;
        if (secs !== undefined) min = min === undefined ? secs : Math.min(min, secs);
      } else if (base === "read" && /\s-t\s/.test(` ${cmd.text} `)) {
        sleeps = true;
      } else {
        const fn = this.#functions.get(base);
        if (fn && !seen.has(base)) {
          seen.add(base);
          const inner = this.#sleepIn(fn, seen);
          if (inner.sleeps) sleeps = true;
          if (inner.min !== undefined)
            min = min === undefined ? inner.min : Math.min(min, inner.min);
        }
      }
    }
    return min === undefined ? { sleeps } : { sleeps, min };
  }

  #if(node: SyntaxNode, ctx: Ctx): CommandFact[] {
    const out: CommandFact[] = [];
    let inBody = false;
    let negated = false;
    for (const c of node.children) {
      if (!c) continue;
      if (!c.isNamed) {
        if (c.text === "then") inBody = true;
        continue;
      }
      if (c.type === "elif_clause" || c.type === "else_clause") {
        out.push(...this.#walk(c, { ...ctx, onErrorPath: true }));
        continue;
      }
      if (!inBody) {
        if (c.type === "negated_command") negated = true;
        out.push(...this.#walk(c, ctx));
      } else {
        out.push(...this.#walk(c, negated ? { ...ctx, onErrorPath: true } : ctx));
      }
    }
    return out;
  }

  #command(node: SyntaxNode, ctx: Ctx, redirects: Redirect[]): CommandFact[] {
    const nameNode = node.childForFieldName("name");
    const extra: CommandFact[] = [];
    const words: Word[] = [];
    if (nameNode) words.push(this.#word(nameNode));
    for (const c of node.namedChildren) {
      if (!c || c.id === nameNode?.id) continue;
      if (c.type === "variable_assignment" || c.type === "command_name") continue;
      if (c.type === "file_redirect") {
        const r = this.#redirect(c);
        if (r) redirects.push(r);
        continue;
      }
      if (c.type === "herestring_redirect" || c.type === "heredoc_redirect") continue;
      words.push(this.#word(c));
      for (const sub of c.descendantsOfType(["command_substitution", "process_substitution"])) {
        if (sub) extra.push(...this.#children(sub, ctx));
      }
    }
    for (const sub of nameNode?.descendantsOfType("command_substitution") ?? []) {
      if (sub) extra.push(...this.#children(sub, ctx));
    }
    unwrap(words);
    const head = words.shift();
    if (!head) return extra;
    const name = head.value.split("/").pop() ?? head.value;
    const fact: CommandFact = {
      name,
      args: words,
      redirects,
      loc: head.loc,
      phase: this.#input.phase,
      loops: ctx.loops,
      onErrorPath: ctx.onErrorPath,
    };
    if (this.#cwd !== undefined) fact.cwd = this.#cwd;
    if (name === "cd") this.#cd(fact);
    const out = [...extra, fact];
    const fn = this.#functions.get(name);
    if (fn && this.#depth < MAX_CALL_DEPTH && this.#firstInline(name, ctx)) {
      this.#called.add(name);
      this.#depth++;
      out.push(...this.#walk(fn, ctx));
      this.#depth--;
    }
    out.push(...this.#embedded(fact, node, ctx));
    return out;
  }

  /** Follows `cd` so relative paths resolve where the script writes them. */
  #cd(fact: CommandFact): void {
    const dir = fact.args.find((a) => !a.value.startsWith("-"))?.value;
    if (!dir || /[$`~*]/.test(dir)) this.#cwd = null;
    else if (dir.startsWith("/")) this.#cwd = posix.normalize(dir);
    else this.#cwd = typeof this.#cwd === "string" ? posix.join(this.#cwd, dir) : null;
  }

  /** `sh -c '…'` and `trap '…' ERR`: the string is shell code too. */
  #embedded(fact: CommandFact, node: SyntaxNode, ctx: Ctx): CommandFact[] {
    let code: Word | undefined;
    let inner = ctx;
    if (SHELLS.has(fact.name)) {
      const i = fact.args.findIndex((a) => a.text === "-c" || /^-[a-z]*c$/.test(a.text));
      code = i >= 0 ? fact.args[i + 1] : undefined;
    } else if (fact.name === "trap" && fact.args.length >= 2) {
      code = fact.args[0];
      if (fact.args.slice(1).some((a) => a.text === "ERR")) inner = { ...ctx, onErrorPath: true };
    }
    if (!code || this.#depth >= MAX_CALL_DEPTH) return [];
    const argNode = node.namedChildren.find(
      (c) => c && this.#loc(c).line === code.loc.line && this.#loc(c).column === code.loc.column,
    );
    const quoted = argNode && (argNode.type === "raw_string" || argNode.type === "string");
    this.#depth++;
    const facts = shellCommands(this.#parsers, {
      ...this.#input,
      text: code.text,
      baseOffset: this.#input.baseOffset + (argNode?.startIndex ?? 0) + (quoted ? 1 : 0),
      outer: inner,
    });
    this.#depth--;
    return facts;
  }

  #word(node: SyntaxNode): Word {
    return {
      text: wordValue(node, undefined),
      value: wordValue(node, this.#vars),
      loc: this.#loc(node),
    };
  }
}

/** Drops `sudo`, `exec`, `env FOO=1`, `timeout 5`… so the real command comes first. */
function unwrap(words: Word[]): void {
  while (words.length > 1 && WRAPPERS.has(words[0]?.value ?? "")) {
    const wrapper = words.shift()?.value;
    while (words.length > 1) {
      const w = words[0]?.value ?? "";
      const skip =
        w.startsWith("-") ||
        (wrapper === "env" && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) ||
        (wrapper === "timeout" && /^\d+(\.\d+)?[smhd]?$/.test(w)) ||
        (wrapper === "nice" && /^-?\d+$/.test(w));
      if (!skip) break;
      words.shift();
    }
  }
}

/** The text of a word with quotes removed; with `vars`, `$X`/`${X}` known there expanded. */
export function wordValue(node: SyntaxNode, vars: ReadonlyMap<string, string> | undefined): string {
  switch (node.type) {
    case "word":
    case "number":
      return node.text.replace(/\\(.)/g, "$1");
    case "raw_string":
      return node.text.slice(1, -1);
    case "ansi_c_string":
      return node.text.slice(2, -1);
    case "string":
    case "concatenation": {
      let s = "";
      for (const c of node.children) {
        if (!c || c.type === '"') continue;
        s += c.type === "string_content" ? c.text : wordValue(c, vars);
      }
      return s;
    }
    case "simple_expansion":
    case "expansion": {
      const name = node.descendantsOfType("variable_name")[0]?.text;
      const known = name !== undefined ? vars?.get(name) : undefined;
      return known ?? node.text;
    }
    default:
      return node.text;
  }
}

/** Seconds of a `sleep` argument: "5", "0.5", "2m", "1h"; usleep counts microseconds. */
export function sleepSeconds(arg: string, micro = false): number | undefined {
  const m = /^(\d+(?:\.\d+)?|\.\d+)([smhd]?)$/.exec(arg);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (micro) return n / 1e6;
  const unit = { "": 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? ""] ?? 1;
  return n * unit;
}
