// Source positions: turn a YAML node (or a raw offset) into a 1-based line and column,
// so every issue can name `file:line:column`.
import type { LineCounter, Node } from "yaml";

export interface SourcePos {
  line: number;
  column: number;
}

export const UNKNOWN_POS: SourcePos = { line: 1, column: 1 };

export function posAt(lineCounter: LineCounter, offset: number): SourcePos {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/** Position of the first character of a node; line 1 column 1 if the node has no range. */
export function posOf(lineCounter: LineCounter, node: Node | null | undefined): SourcePos {
  const start = node?.range?.[0];
  return start === undefined ? UNKNOWN_POS : posAt(lineCounter, start);
}
