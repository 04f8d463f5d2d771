// Python and JavaScript sources → call, string and command facts. Walks the tree-sitter AST
// of the file: calls with their arguments (string constants and environment reads resolved
// where the file makes them plain), loops (and whether they wait), `except`/`catch` blocks
// as error paths, functions walked at their call sites, `setInterval` as a loop, and shell
// strings handed to os.system/subprocess/child_process parsed as shell.
import type {
  Arg,
  CallFact,
  CommandFact,
  Context,
  LoopCtx,
  ScriptModel,
  SourceFile,
} from "./model.ts";
import type { Phase } from "./model.ts";
import type { Parsers, SyntaxNode } from "./parsers.ts";
import { shellCommands } from "./shell.ts";
import { locAtOffset } from "./source.ts";

export type CodeLanguage = "python" | "javascript" | "typescript";
type Lang = CodeLanguage;
type Ctx = Pick<Context, "loops" | "onErrorPath">;

interface Spec {
  call: Set<string>;
  string: Set<string>;
  loops: Set<string>;
  errorBlock: Set<string>;
  functionDefs: Set<string>;
  sleepCallees: RegExp;
  shellCallees: RegExp;
}

const SPECS: Record<"python" | "javascript", Spec> = {
  python: {
    call: new Set(["call"]),
    string: new Set(["string"]),
    loops: new Set(["while_statement", "for_statement"]),
    errorBlock: new Set(["except_clause"]),
    functionDefs: new Set(["function_definition"]),
    sleepCallees: /(^|\.)(sleep|wait)$/,
    shellCallees: /^(os\.(system|popen)|subprocess\.(run|call|check_call|check_output|Popen))$/,
  },
  javascript: {
    call: new Set(["call_expression", "new_expression"]),
    string: new Set(["string", "template_string"]),
    loops: new Set(["while_statement", "do_statement", "for_statement", "for_in_statement"]),
    errorBlock: new Set(["catch_clause"]),
    functionDefs: new Set(["function_declaration", "method_definition"]),
    sleepCallees: /(^|\.)(setTimeout|sleep|delay|wait)$/,
    // Bare (destructured) or on a child_process-like receiver; not RegExp#exec or db.exec.
    shellCallees:
      /^((child_?process|childProcess|cp|proc)\.)?(exec|execSync|spawn|spawnSync|execFile|execFileSync)$/,
  },
};

const MAX_CALL_DEPTH = 4;

export function codeFacts(
  parsers: Parsers,
  file: SourceFile,
  lang: Lang,
  env: ReadonlyMap<string, string>,
  phase: Phase = "runtime",
): ScriptModel {
  const walker = new CodeWalker(parsers, file, lang, env, phase);
  return walker.run();
}

class CodeWalker {
  readonly #parsers: Parsers;
  readonly #file: SourceFile;
  readonly #phase: Phase;
  readonly #lang: Lang;
  readonly #spec: Spec;
  readonly #env: ReadonlyMap<string, string>;
  readonly #vars = new Map<string, string>();
  readonly #functions = new Map<string, SyntaxNode>();
  readonly #called = new Set<string>();
  readonly #inlined = new Set<string>();
  readonly #model: ScriptModel;
  #depth = 0;

  constructor(
    parsers: Parsers,
    file: SourceFile,
    lang: Lang,
    env: ReadonlyMap<string, string>,
    phase: Phase,
  ) {
    this.#parsers = parsers;
    this.#phase = phase;
    this.#file = file;
    this.#lang = lang;
    this.#spec = SPECS[lang === "python" ? "python" : "javascript"];
    this.#env = env;
    this.#model = {
      file,
      language: lang === "python" ? "python" : "javascript",
      phase,
      commands: [],
      calls: [],
      strings: [],
    };
  }

  run(): ScriptModel {
    const root = this.#parsers[this.#lang](this.#file.text);
    this.#collect(root);
    const base: Ctx = { loops: [], onErrorPath: false };
    this.#walk(root, base);
    for (const [name, body] of this.#functions) if (!this.#called.has(name)) this.#walk(body, base);
    return this.#model;
  }

  /** Function bodies by name and constants by name, in file order. */
  #collect(root: SyntaxNode): void {
    const defs = root.descendantsOfType([
      ...this.#spec.functionDefs,
      "variable_declarator",
      "assignment",
      "assignment_expression",
    ]);
    for (const n of defs) {
      if (!n) continue;
      const name = n.childForFieldName("name") ?? n.childForFieldName("left");
      const value = n.childForFieldName("value") ?? n.childForFieldName("right");
      const body = n.childForFieldName("body");
      if (!name || (name.type !== "identifier" && name.type !== "property_identifier")) continue;
      if (this.#spec.functionDefs.has(n.type) && body) this.#functions.set(name.text, body);
      else if (value && (value.type === "arrow_function" || value.type === "function_expression")) {
        const fnBody = value.childForFieldName("body");
        if (fnBody) this.#functions.set(name.text, fnBody);
      } else if (value) this.#vars.set(name.text, this.#value(value));
    }
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

  #loc(node: SyntaxNode): CallFact["loc"] {
    return locAtOffset(this.#file, node.startIndex, node.endIndex);
  }

  #walk(node: SyntaxNode, ctx: Ctx): void {
    const t = node.type;
    if (this.#spec.functionDefs.has(t)) return;
    if (
      (t === "arrow_function" || t === "function_expression") &&
      node.parent?.type === "variable_declarator"
    )
      return;
    if (this.#spec.call.has(t)) return this.#call(node, ctx);
    if (this.#spec.string.has(t)) {
      this.#model.strings.push({
        value: this.#value(node),
        loc: this.#loc(node),
        phase: this.#phase,
        ...ctx,
      });
    }
    if (this.#spec.loops.has(t)) return this.#loop(node, ctx);
    if (this.#spec.errorBlock.has(t)) ctx = { ...ctx, onErrorPath: true };
    for (const c of node.namedChildren) if (c) this.#walk(c, ctx);
  }

  #loop(node: SyntaxNode, ctx: Ctx): void {
    const cond = node.childForFieldName("condition");
    const condText = cond?.text.replace(/^\(|\)$/g, "").trim();
    let infinite = false;
    if (node.type === "while_statement" || node.type === "do_statement") {
      infinite = ["True", "1", "true", "!0", "!false"].includes(condText ?? "");
    } else if (node.type === "for_statement" && this.#lang !== "python") {
      infinite = !cond || cond.type === "empty_statement";
    }
    const sleep = this.#sleepIn(node);
    const loop: LoopCtx = {
      kind: node.type === "for_statement" || node.type === "for_in_statement" ? "for" : "while",
      infinite,
      sleeps: sleep.sleeps,
      loc: this.#loc(node.child(0) ?? node),
    };
    if (sleep.min !== undefined) loop.minSleepSeconds = sleep.min;
    const inner: Ctx = { ...ctx, loops: [...ctx.loops, loop] };
    for (const c of node.namedChildren) if (c) this.#walk(c, inner);
  }

  #sleepIn(node: SyntaxNode, seen = new Set<string>()): { sleeps: boolean; min?: number } {
    let sleeps = false;
    let min: number | undefined;
    for (const call of node.descendantsOfType([...this.#spec.call])) {
      const fn = call?.childForFieldName("function") ?? call?.childForFieldName("constructor");
      if (!call || !fn) continue;
      const callee = fn.text.replace(/\s+/g, "");
      if (this.#spec.sleepCallees.test(callee)) {
        sleeps = true;
        const args = this.#args(call).positional;
        const n = Number(
          args[this.#lang !== "python" && /setTimeout$/.test(callee) ? 1 : 0]?.value,
        );
        if (Number.isFinite(n)) {
          const secs = this.#lang !== "python" ? n / 1000 : n;
          min = min === undefined ? secs : Math.min(min, secs);
        }
      } else {
        const name = callee.split(".").pop() ?? callee;
        const body = this.#functions.get(name);
        if (body && !seen.has(name)) {
          seen.add(name);
          const inner = this.#sleepIn(body, seen);
          sleeps ||= inner.sleeps;
          if (inner.min !== undefined)
            min = min === undefined ? inner.min : Math.min(min, inner.min);
        }
      }
    }
    return min === undefined ? { sleeps } : { sleeps, min };
  }

  #call(node: SyntaxNode, ctx: Ctx): void {
    const fn = node.childForFieldName("function") ?? node.childForFieldName("constructor");
    const callee = fn?.text.replace(/\s+/g, "") ?? "";
    const { positional, kwargs } = this.#args(node);
    const fact: CallFact = {
      callee,
      args: positional,
      kwargs,
      loc: this.#loc(fn ?? node),
      phase: this.#phase,
      ...ctx,
    };
    this.#model.calls.push(fact);
    if (this.#spec.shellCallees.test(callee))
      this.#model.commands.push(...this.#shell(node, fact, ctx));

    const argsNode = node.childForFieldName("arguments");
    if (/(^|\.)setInterval$/.test(callee) && argsNode) {
      const ms = Number(positional[1]?.value);
      const loop: LoopCtx = { kind: "interval", infinite: true, sleeps: true, loc: fact.loc };
      if (Number.isFinite(ms)) loop.minSleepSeconds = ms / 1000;
      const inner: Ctx = { ...ctx, loops: [...ctx.loops, loop] };
      for (const c of argsNode.namedChildren) if (c) this.#walkCallable(c, inner);
      return;
    }
    if (/\.catch$/.test(callee) && argsNode) {
      if (fn) this.#walk(fn, ctx);
      for (const c of argsNode.namedChildren)
        if (c) this.#walkCallable(c, { ...ctx, onErrorPath: true });
      return;
    }
    for (const c of node.namedChildren) if (c) this.#walk(c, ctx);
    const name = callee.split(".").pop() ?? callee;
    const body = this.#functions.get(name);
    if (body && this.#depth < MAX_CALL_DEPTH && this.#firstInline(name, ctx)) {
      this.#called.add(name);
      this.#depth++;
      this.#walk(body, ctx);
      this.#depth--;
    }
  }

  /** A callback argument: a function literal, or the name of a known function. */
  #walkCallable(node: SyntaxNode, ctx: Ctx): void {
    const body = node.type === "identifier" ? this.#functions.get(node.text) : undefined;
    if (body && this.#depth < MAX_CALL_DEPTH && this.#firstInline(node.text, ctx)) {
      this.#called.add(node.text);
      this.#depth++;
      this.#walk(body, ctx);
      this.#depth--;
    } else {
      const inner = node.childForFieldName("body") ?? node;
      this.#walk(inner, ctx);
    }
  }

  #args(call: SyntaxNode): { positional: Arg[]; kwargs: Record<string, Arg> } {
    const positional: Arg[] = [];
    const kwargs: Record<string, Arg> = {};
    const list = call.childForFieldName("arguments");
    for (const a of list?.namedChildren ?? []) {
      if (!a || a.type === "comment") continue;
      if (a.type === "keyword_argument") {
        const k = a.childForFieldName("name")?.text;
        const v = a.childForFieldName("value");
        if (k && v) kwargs[k] = this.#arg(v);
      } else positional.push(this.#arg(a));
    }
    return { positional, kwargs };
  }

  #arg(node: SyntaxNode): Arg {
    return {
      text: node.text,
      value: this.#value(node),
      literal:
        this.#spec.string.has(node.type) &&
        !node.descendantsOfType(["interpolation", "template_substitution"]).some(Boolean),
      loc: this.#loc(node),
    };
  }

  /** Best-effort value of an expression, as a string. */
  #value(node: SyntaxNode): string {
    switch (node.type) {
      case "string":
      case "template_string":
      case "concatenated_string": {
        let s = "";
        for (const c of node.namedChildren) {
          if (!c) continue;
          if (
            c.type === "string_content" ||
            c.type === "string_fragment" ||
            c.type === "escape_sequence"
          )
            s += c.text;
          else if (c.type === "interpolation" || c.type === "template_substitution") {
            const inner = c.namedChildren.find((x) => x && x.type !== "comment");
            s += inner ? this.#value(inner) : "";
          } else if (c.type === "string") s += this.#value(c);
        }
        return s;
      }
      case "identifier":
        return this.#vars.get(node.text) ?? `{${node.text}}`;
      case "integer":
      case "float":
      case "number":
        return node.text;
      case "binary_operator":
      case "binary_expression": {
        const op = node.childForFieldName("operator")?.text;
        const l = node.childForFieldName("left");
        const r = node.childForFieldName("right");
        if (op === "+" && l && r) return this.#value(l) + this.#value(r);
        return node.text;
      }
      case "parenthesized_expression": {
        const inner = node.namedChildren[0];
        return inner ? this.#value(inner) : node.text;
      }
      default: {
        const envName = this.#envRead(node);
        if (envName !== undefined) return this.#env.get(envName) ?? `$${envName}`;
        if (node.type === "call" || node.type === "call_expression") {
          const callee = (node.childForFieldName("function")?.text ?? "").replace(/\s+/g, "");
          if (/(^|\.)(path\.)?join$/.test(callee)) {
            return this.#args(node)
              .positional.map((a) => a.value)
              .join("/")
              .replace(/\/{2,}/g, "/");
          }
        }
        return node.text;
      }
    }
  }

  /** `os.environ["X"]`, `os.environ.get("X")`, `os.getenv("X")`, `process.env.X`. */
  #envRead(node: SyntaxNode): string | undefined {
    const text = node.text.replace(/\s+/g, "");
    const m =
      /^os\.environ\[["']([A-Za-z_]\w*)["']\]$/.exec(text) ??
      /^os\.(?:environ\.get|getenv)\(["']([A-Za-z_]\w*)["'].*\)$/.exec(text) ??
      /^process\.env\.([A-Za-z_]\w*)$/.exec(text) ??
      /^process\.env\[["'`]([A-Za-z_]\w*)["'`]\]$/.exec(text);
    return m?.[1];
  }

  /** os.system("…") / subprocess.run([...]) / execSync("…") / spawn("cmd", [...]). */
  #shell(node: SyntaxNode, call: CallFact, ctx: Ctx): CommandFact[] {
    const list = node.childForFieldName("arguments");
    const first = list?.namedChildren.find(
      (c) => c && c.type !== "keyword_argument" && c.type !== "comment",
    );
    if (!first) return [];
    const env = new Map([...this.#env, ...this.#vars]);
    if (this.#spec.string.has(first.type)) {
      const isExecFile = /(spawn|spawnSync|execFile|execFileSync)$/.test(call.callee);
      if (isExecFile) {
        const arr = list?.namedChildren.find((c) => c && (c.type === "array" || c.type === "list"));
        return [this.#argvFact(first, arr ? [...arr.namedChildren] : [], ctx)];
      }
      return shellCommands(this.#parsers, {
        file: this.#file,
        text: this.#value(first),
        baseOffset: first.startIndex + 1,
        phase: this.#phase,
        env,
        outer: ctx,
      });
    }
    if (first.type === "list" || first.type === "array") {
      const items = first.namedChildren.filter((c): c is SyntaxNode => !!c);
      const head = items.shift();
      if (head) return [this.#argvFact(head, items, ctx)];
    }
    return [];
  }

  #argvFact(head: SyntaxNode, rest: (SyntaxNode | null)[], ctx: Ctx): CommandFact {
    const value = this.#value(head);
    return {
      name: value.split("/").pop() ?? value,
      args: rest
        .filter((c): c is SyntaxNode => !!c)
        .map((c) => ({ text: this.#value(c), value: this.#value(c), loc: this.#loc(c) })),
      redirects: [],
      loc: this.#loc(head),
      phase: this.#phase,
      ...ctx,
    };
  }
}
