// Dockerfiles (plain, .template, per-architecture) → FROM, RUN, CMD/ENTRYPOINT, COPY, ENV and
// WORKDIR facts, using dockerfile-ast for instructions and ranges and the bash parser for the
// shell inside RUN/CMD/ENTRYPOINT. Balena `%%BALENA_*%%` placeholders are left as text.
import { DockerfileParser } from "dockerfile-ast";
import type { Instruction, JSONInstruction } from "dockerfile-ast";
import { parseImageRef } from "./images.ts";
import type {
  CommandFact,
  CopyFact,
  DockerfileModel,
  FromFact,
  Phase,
  Setting,
  SourceFile,
} from "./model.ts";
import type { Parsers } from "./parsers.ts";
import { shellCommands } from "./shell.ts";
import { locAtOffset, offsetOf } from "./source.ts";

type Range = ReturnType<Instruction["getRange"]>;

const SHELLS = new Set(["sh", "bash", "ash", "dash"]);

export function dockerfileModel(
  parsers: Parsers,
  file: SourceFile,
  extraEnv: ReadonlyMap<string, string> = new Map(),
): DockerfileModel {
  const df = DockerfileParser.parse(file.text);
  const model: DockerfileModel = {
    file,
    froms: [],
    build: [],
    runtime: [],
    copies: [],
    env: new Map(),
    workdir: "/",
  };
  const args = new Map<string, string>();
  for (const a of df.getInitialARGs()) {
    const p = a.getProperty();
    if (p) args.set(p.getName(), p.getValue() ?? "");
  }
  const stages = new Set<string>(["scratch"]);
  const loc = (r: Range) =>
    locAtOffset(
      file,
      offsetOf(file, r.start.line, r.start.character),
      offsetOf(file, r.end.line, r.end.character),
    );

  // Per stage; the final stage's settings are what runs.
  let env = new Map<string, Setting>();
  let workdir = "/";
  let cmd: CommandFact[] = [];
  let entrypoint: CommandFact[] = [];
  const envValues = () =>
    new Map([...extraEnv, ...[...env].map(([k, v]) => [k, v.value] as const)]);

  for (const ins of df.getInstructions()) {
    const keyword = ins.getKeyword();
    switch (keyword) {
      case "FROM": {
        const arg = ins.getArguments().find((a) => !a.getValue().startsWith("--"));
        if (!arg) break;
        const ref = expand(arg.getValue(), args);
        const asIdx = ins.getArguments().findIndex((a) => a.getValue().toLowerCase() === "as");
        const alias = asIdx >= 0 ? ins.getArguments()[asIdx + 1]?.getValue() : undefined;
        const parsed = parseImageRef(ref);
        const fact: FromFact = {
          ref,
          ...parsed,
          internal: stages.has(ref.toLowerCase()),
          loc: loc(arg.getRange()),
        };
        model.froms.push(fact);
        if (alias) stages.add(alias.toLowerCase());
        env = new Map();
        workdir = "/";
        cmd = [];
        entrypoint = [];
        break;
      }
      case "ENV":
        for (const p of (
          ins as unknown as {
            getProperties(): { getName(): string; getValue(): string | null; getRange(): Range }[];
          }
        ).getProperties()) {
          env.set(p.getName(), {
            value: expand(p.getValue() ?? "", new Map([...args, ...envValues()])),
            loc: loc(p.getRange()),
          });
        }
        break;
      case "ARG": {
        const p = (
          ins as unknown as {
            getProperty(): { getName(): string; getValue(): string | null } | null;
          }
        ).getProperty();
        if (p && p.getValue() !== null) args.set(p.getName(), p.getValue() ?? "");
        break;
      }
      case "WORKDIR": {
        const path = expand(ins.getArgumentsContent() ?? "", envValues());
        workdir = path.startsWith("/") ? path : `${workdir.replace(/\/$/, "")}/${path}`;
        break;
      }
      case "RUN":
        model.build.push(...commandsOf(parsers, file, ins, "build", envValues(), workdir));
        break;
      case "CMD":
        cmd = commandsOf(parsers, file, ins, "runtime", envValues(), workdir);
        break;
      case "ENTRYPOINT":
        entrypoint = commandsOf(parsers, file, ins, "runtime", envValues(), workdir);
        break;
      case "COPY":
      case "ADD": {
        const values = ins.getArguments().map((a) => a.getValue());
        const json = isJson(ins)
          ? (ins as JSONInstruction).getJSONStrings().map((s) => s.getJSONValue())
          : [];
        const parts = json.length > 0 ? json : values.filter((v) => !v.startsWith("--"));
        const from = (
          ins as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] }
        )
          .getFlags()
          .find((f) => f.getName() === "from");
        const copy: CopyFact = {
          sources: parts.slice(0, -1),
          dest: expand(parts.at(-1) ?? "", envValues()),
          loc: loc(ins.getRange()),
        };
        if (from?.getValue()) copy.fromStage = from.getValue() ?? undefined;
        model.copies.push(copy);
        break;
      }
    }
  }
  model.runtime = [...entrypoint, ...cmd];
  model.env = env;
  model.workdir = workdir;
  return model;
}

function isJson(ins: Instruction): boolean {
  return (
    typeof (ins as Partial<JSONInstruction>).getJSONStrings === "function" &&
    (ins as JSONInstruction).getJSONStrings().length > 0 &&
    /^\s*\[/.test(ins.getArgumentsContent() ?? "")
  );
}

/** The strings of an exec-form instruction, decoded from the file text (dockerfile-ast's
 * own values drop the spaces inside a string). */
function jsonStrings(file: SourceFile, ins: Instruction): { value: string; range: Range }[] {
  return (ins as JSONInstruction).getJSONStrings().map((s) => {
    const r = s.getRange();
    const raw = file.text.slice(
      offsetOf(file, r.start.line, r.start.character),
      offsetOf(file, r.end.line, r.end.character),
    );
    let value: string;
    try {
      value = String(JSON.parse(raw));
    } catch {
      value = s.getJSONValue();
    }
    return { value, range: r };
  });
}

/** RUN/CMD/ENTRYPOINT → commands: shell form parsed as bash, exec form as an argv. */
function commandsOf(
  parsers: Parsers,
  file: SourceFile,
  ins: Instruction,
  phase: Phase,
  env: ReadonlyMap<string, string>,
  workdir: string,
): CommandFact[] {
  const range = ins.getArgumentsRange();
  if (!range) return [];
  if (isJson(ins)) {
    const argv = jsonStrings(file, ins);
    const head = argv[0];
    if (!head) return [];
    const name = head.value.split("/").pop() ?? head.value;
    if (SHELLS.has(name) && argv[1]?.value === "-c" && argv[2]) {
      const r = argv[2].range;
      return shellCommands(parsers, {
        file,
        text: argv[2].value,
        baseOffset: offsetOf(file, r.start.line, r.start.character) + 1,
        phase,
        env,
        workdir,
      });
    }
    const locOf = (r: Range) => locAtOffset(file, offsetOf(file, r.start.line, r.start.character));
    return [
      {
        name,
        args: argv.slice(1).map((a) => ({ text: a.value, value: a.value, loc: locOf(a.range) })),
        redirects: [],
        loc: locOf(head.range),
        phase,
        loops: [],
        onErrorPath: false,
      },
    ];
  }
  const start = offsetOf(file, range.start.line, range.start.character);
  const end = offsetOf(file, range.end.line, range.end.character);
  // Docker drops comment lines inside a continued instruction; blank them, keeping offsets.
  const text = file.text
    .slice(start, end)
    .split("\n")
    .map((line, i) => (i > 0 && /^\s*#/.test(line) ? " ".repeat(line.length) : line))
    .join("\n");
  return shellCommands(parsers, { file, text, baseOffset: start, phase, env, workdir });
}

/** `${X}`, `${X:-d}` and `$X` from known build args/env; unknown ones stay as written. */
export function expand(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(
    /\$\{([A-Za-z_]\w*)(?::?[-+]([^}]*))?\}|\$([A-Za-z_]\w*)/g,
    (whole, a: string | undefined, def: string | undefined, b: string | undefined) => {
      const name = a ?? b ?? "";
      const v = vars.get(name);
      if (v !== undefined && v !== "") return v;
      if (def !== undefined && whole.includes(":-")) return def;
      return whole;
    },
  );
}
