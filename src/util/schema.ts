// Schema validation with valibot (+1.9 MiB peak RSS to load, zod took +18.7 MiB: see
// docs/architecture.md), and how edgevisor words its issues: a path like `layers[2].diffId`
// and a message like "expected number, received string" or "Too big: expected number to
// be <=65535".
import * as v from "valibot";

export type Issue = v.BaseIssue<unknown>;

/** What messages call a value: its JSON type ("array", "null", "number", …). */
function typeOf(x: unknown): string {
  if (x === null) return "null";
  return Array.isArray(x) ? "array" : typeof x;
}

/** A JSON object, typed T: not an array (valibot's objects and records take arrays). */
const anObject = <T>() =>
  v.custom<T>(
    (x) => typeof x === "object" && x !== null && !Array.isArray(x),
    (issue) => `expected object, received ${typeOf(issue.input)}`,
  );

/** An object schema that refuses arrays. */
export function plainObject<S extends v.GenericSchema<Record<string, unknown>>>(schema: S) {
  return v.pipe(anObject<v.InferInput<S>>(), schema);
}

/**
 * A record of `value`s in which every key is checked: valibot's record skips the keys
 * "__proto__", "constructor" and "prototype". Values are checked, not transformed.
 */
export function recordOf<S extends v.GenericSchema>(value: S) {
  return v.pipe(
    anObject<Record<string, v.InferOutput<S>>>(),
    v.rawCheck(({ dataset, config, addIssue }) => {
      if (!dataset.typed) return;
      for (const [key, item] of Object.entries(dataset.value)) {
        const at: v.ObjectPathItem = {
          type: "object",
          origin: "value",
          input: dataset.value,
          key,
          value: item,
        };
        // The config's type names the issues its message function takes: ours takes any.
        const itemConfig = config as v.Config<v.InferIssue<S>>;
        for (const issue of v.safeParse(value, item, itemConfig).issues ?? [])
          addIssue({ message: issue.message, path: issue.path ? [at, ...issue.path] : [at] });
      }
    }),
  );
}

/** The messages valibot leaves to us; messages given in a schema take precedence. */
function wording(issue: Issue): string {
  const { type, input } = issue;
  const expected = issue.expected ?? "";
  if (expected === "never") return "unknown key";
  if (issue.path?.at(-1)?.origin === "key") return "missing";
  if (issue.kind === "schema") {
    const list = expected.replace(/^\((.*)\)$/, "$1");
    const values = ["literal", "picklist"].includes(type) || (type === "variant" && issue.path);
    if (values) return `expected ${list.includes(" | ") ? "one of " : ""}${list}`;
    return `expected ${list.toLowerCase()}, received ${typeOf(input)}`;
  }
  const small = /^(min|gt)_/.test(type);
  if (small || /^(max|lt)_/.test(type)) {
    const what =
      typeof input === "string"
        ? `string to have ${expected} characters`
        : Array.isArray(input)
          ? `array to have ${expected} items`
          : `number to be ${expected}`;
    return `Too ${small ? "small" : "big"}: expected ${what}`;
  }
  if ((type === "integer" || type === "safe_integer") && typeof input === "number") {
    if (!Number.isInteger(input)) return "expected int, received number";
    const big = input > 0;
    return `Too ${big ? "big" : "small"}: expected int to be ${big ? "<=" : ">=-"}${Number.MAX_SAFE_INTEGER}`;
  }
  return issue.message;
}

/** Parse config: one issue per value (the first check it fails), worded as above. */
export const ISSUES: v.Config<Issue> = { abortPipeEarly: true, message: wording };

/** `layers[2].diffId`, `os.udevRules.64`; "" for the root. */
export function pathText(keys: readonly unknown[]): string {
  let out = "";
  for (const key of keys)
    out += typeof key === "number" ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out;
}

export function issueKeys(issue: Issue): unknown[] {
  return issue.path?.map((item) => item.key) ?? [];
}

/** "layers[2].diffId: expected sha256:<64 hex>", "(root): expected object, received array" */
export function describeIssue(issue: Issue | undefined): string {
  if (!issue) return "(root): invalid";
  return `${pathText(issueKeys(issue)) || "(root)"}: ${issue.message}`;
}
