// Split a command string into words the way a POSIX shell would, without expanding
// anything: compose does this for the string forms of `command` and `entrypoint`.

export type SplitResult = { ok: true; words: string[] } | { ok: false; error: string };

const DOUBLE_QUOTE_ESCAPABLE = new Set(["\\", '"', "$", "`", "\n"]);

export function shellSplit(text: string): SplitResult {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { ok: false, error: "unterminated single quote" };
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i] as string;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (
          d === "\\" &&
          i + 1 < text.length &&
          DOUBLE_QUOTE_ESCAPABLE.has(text[i + 1] as string)
        ) {
          if (text[i + 1] !== "\n") word += text[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      if (!closed) return { ok: false, error: "unterminated double quote" };
      inWord = true;
    } else if (c === "\\") {
      if (i + 1 >= text.length) return { ok: false, error: "trailing backslash" };
      if (text[i + 1] !== "\n") word += text[i + 1];
      inWord = true;
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return { ok: true, words };
}
