// Source files and positions: 1-based lines and columns, 0-based offsets into the text.
import type { SourceFile } from "./model.ts";
import type { Loc } from "./types.ts";

export function sourceFile(path: string, text: string): SourceFile {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  return { path, text, lines: text.split(/\r?\n/), lineStarts };
}

/** 0-based offset → 1-based line/column (optionally with an end). */
export function locAtOffset(file: SourceFile, offset: number, endOffset?: number): Loc {
  const start = lineCol(file, offset);
  const loc: Loc = { file: file.path, line: start.line, column: start.column };
  if (endOffset !== undefined) {
    const end = lineCol(file, endOffset);
    loc.endLine = end.line;
    loc.endColumn = end.column;
  }
  return loc;
}

function lineCol(file: SourceFile, offset: number): { line: number; column: number } {
  const starts = file.lineStarts;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
}

/** 0-based line/character (LSP style, as dockerfile-ast reports) → offset. */
export function offsetOf(file: SourceFile, line0: number, char0: number): number {
  return (file.lineStarts[line0] ?? file.text.length) + char0;
}

export function locAt(file: SourceFile, line1: number, column1: number): Loc {
  return { file: file.path, line: line1, column: column1 };
}
