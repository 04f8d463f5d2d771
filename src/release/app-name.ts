// The app (compose project) name, sanitised as compose does: lower case, only [a-z0-9_-],
// starting with a letter or digit.

export function sanitiseAppName(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "")
    .replace(/^[^a-z0-9]+/, "");
}
