// Real parsers for the code a release runs: tree-sitter grammars for bash, Python,
// JavaScript and TypeScript, compiled to WebAssembly and shipped in @vscode/tree-sitter-wasm (no native
// build, nothing fetched at run time).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import TreeSitter from "@vscode/tree-sitter-wasm";
import type {
  Language as TSLanguage,
  Node as TSNode,
  Parser as TSParser,
} from "@vscode/tree-sitter-wasm";

export type SyntaxNode = TSNode;

export interface Parsers {
  bash(text: string): SyntaxNode;
  python(text: string): SyntaxNode;
  javascript(text: string): SyntaxNode;
  typescript(text: string): SyntaxNode;
}

// The WebAssembly runtime is process-wide; loading it once is all the caching done here.
let loading: Promise<Parsers> | undefined;

export function loadParsers(): Promise<Parsers> {
  loading ??= load();
  return loading;
}

async function load(): Promise<Parsers> {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve("@vscode/tree-sitter-wasm"));
  await TreeSitter.Parser.init({ locateFile: (file: string) => join(dir, file) });
  const language = (name: string): Promise<TSLanguage> =>
    TreeSitter.Language.load(join(dir, `tree-sitter-${name}.wasm`));
  const [bash, python, javascript, typescript] = await Promise.all([
    language("bash"),
    language("python"),
    language("javascript"),
    language("typescript"),
  ]);
  const parserFor = (lang: TSLanguage): ((text: string) => SyntaxNode) => {
    const parser: TSParser = new TreeSitter.Parser();
    parser.setLanguage(lang);
    return (text) => {
      const tree = parser.parse(text);
      if (!tree) throw new Error("tree-sitter returned no tree");
      return tree.rootNode;
    };
  };
  return {
    bash: parserFor(bash),
    python: parserFor(python),
    javascript: parserFor(javascript),
    typescript: parserFor(typescript),
  };
}
