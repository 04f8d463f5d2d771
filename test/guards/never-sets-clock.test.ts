// "The agent never sets the clock" as a check on the sources: no product code outside the
// linter (whose rules name these calls to find them in releases) contains a way to set it.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const src = fileURLToPath(new URL("../../src", import.meta.url));
const SETS_CLOCK =
  /settimeofday|clock_settime|\bstime\(|hwclock|\bdate\s+(-s|--set)|timedatectl\s+set-(time|ntp)|chronyc\s+(settime|makestep)|\brdate\b|CAP_SYS_TIME|"SYS_TIME"/;

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) {
      if (full !== join(src, "lint")) yield* sources(full);
    } else if (e.name.endsWith(".ts")) yield full;
  }
}

test("no product source outside src/lint/ can set the clock", () => {
  const hits: string[] = [];
  for (const file of sources(src))
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (SETS_CLOCK.test(line)) hits.push(`${relative(src, file)}:${i + 1}: ${line.trim()}`);
      });
  assert.deepEqual(hits, []);
});
