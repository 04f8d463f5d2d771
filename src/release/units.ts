// Durations and byte sizes as compose writes them. Pure; undefined means "not valid".

const DURATION_UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/**
 * Parse a Go-style duration ("1m30s", "1.5s", "250ms", "2h") into whole milliseconds.
 * "0" alone is accepted; every other value needs a unit, as in compose.
 */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === "0") return 0;
  if (s === "") return undefined;
  let total = 0;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < s.length) {
    const m = DURATION_PART.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * (DURATION_UNIT_MS[m[2] as string] as number);
  }
  return Math.round(total);
}

export const DURATION_ACCEPTS = 'a duration like "30s", "1m30s" or "500ms"';

const BYTE_UNITS: Record<string, number> = {
  "": 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

const BYTE_SIZE = /^(\d+(?:\.\d+)?)\s?([kmgtp]?)(?:i?b)?$/i;

/**
 * Parse a byte size as docker does (binary units): "512m", "1.5g", "64mb", "1GiB", "1024",
 * or a plain number of bytes. Fractions of a byte are dropped.
 */
export function parseByteSize(value: string | number): number | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
  }
  const m = BYTE_SIZE.exec(value.trim());
  if (!m) return undefined;
  const unit = BYTE_UNITS[(m[2] as string).toLowerCase()] as number;
  return Math.floor(Number(m[1]) * unit);
}

export const BYTE_SIZE_ACCEPTS = 'a byte size like "512m" or "1g" (or a number of bytes)';
