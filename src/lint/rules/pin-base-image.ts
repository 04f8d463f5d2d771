import { pinVerdict } from "../images.ts";
import type { Rule, RuleFinding } from "../types.ts";

export const pinBaseImage: Rule = {
  id: "pin-base-image",
  severity: "warning",
  title: "Base image is not pinned",
  docs: "A FROM without a digest, date-stamped or full-version tag pulls whatever was published last, so two builds of one release can differ. Pin it.",
  check(model) {
    const out: RuleFinding[] = [];
    for (const df of model.services.flatMap((s) => s.dockerfiles)) {
      for (const from of df.froms) {
        if (from.internal) continue;
        const verdict = pinVerdict(from);
        if (verdict.pinned) continue;
        const buildTime = /chosen at build time/.test(verdict.reason);
        const f: RuleFinding = {
          message: `base image "${from.ref}" is not pinned: ${verdict.reason}; use a dated or full-version tag, or a digest`,
          loc: from.loc,
        };
        if (buildTime) f.severity = "info";
        out.push(f);
      }
    }
    return out;
  },
};
