// The date this source tree was cut. The clock check treats any time before it as
// implausible: a device cannot run software built in its future. A constant (rather than
// package.json's mtime, which copies and checkouts rewrite) keeps the check deterministic;
// the release process bumps it.
export const BUILD_DATE = new Date("2026-11-23T00:00:00Z");
