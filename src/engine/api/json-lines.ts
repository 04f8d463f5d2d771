// The engine answers pulls, pushes, builds, loads and the events feed with JSON objects, one
// per line, split across chunks anywhere (even inside a multi-byte character).
import { StringDecoder } from "node:string_decoder";

export class JsonLineError extends Error {
  readonly line: string;

  constructor(line: string, cause: unknown) {
    super(`the engine sent a line that is not JSON: ${line.slice(0, 200)}`, { cause });
    this.name = "JsonLineError";
    this.line = line;
  }
}

/** Each JSON object of a line-delimited stream, in order; blank lines are skipped. */
export async function* jsonLines<T = unknown>(
  stream: AsyncIterable<Buffer | string>,
): AsyncGenerator<T> {
  const decoder = new StringDecoder("utf8");
  let buffered = "";
  for await (const chunk of stream) {
    buffered += typeof chunk === "string" ? chunk : decoder.write(chunk);
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line) yield parse<T>(line);
    }
  }
  const rest = (buffered + decoder.end()).trim();
  if (rest) yield parse<T>(rest);
}

/** Every object of the stream, once it ends (what `docker.modem.followProgress` gave). */
export async function collectJsonLines<T = unknown>(
  stream: AsyncIterable<Buffer | string>,
): Promise<T[]> {
  const all: T[] = [];
  for await (const m of jsonLines<T>(stream)) all.push(m);
  return all;
}

function parse<T>(line: string): T {
  try {
    return JSON.parse(line) as T;
  } catch (e) {
    throw new JsonLineError(line, e);
  }
}
