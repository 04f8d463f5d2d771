// A light check of image references as the engine accepts them:
// [registry[:port]/]path[:tag][@sha256:digest], path components lower case.

const DOMAIN = /^(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|[A-Za-z0-9-]+(?::\d+))(?::\d+)?$/;
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export const IMAGE_ACCEPTS =
  'an image reference like "nginx:1.27" or "registry.local:5000/team/app@sha256:…" (lower-case name)';

export function isImageReference(ref: string): boolean {
  let rest = ref;
  const at = rest.indexOf("@");
  if (at >= 0) {
    if (!DIGEST.test(rest.slice(at + 1))) return false;
    rest = rest.slice(0, at);
  }
  const parts = rest.split("/");
  if (parts.length > 1 && DOMAIN.test(parts[0] as string)) parts.shift();
  const last = parts.pop() ?? "";
  const colon = last.indexOf(":");
  const name = colon < 0 ? last : last.slice(0, colon);
  if (colon >= 0 && !TAG.test(last.slice(colon + 1))) return false;
  return [...parts, name].every((p) => COMPONENT.test(p));
}
