import { parseImageRef, pinVerdict } from "../images.ts";
import type { Rule, RuleFinding } from "../types.ts";

export const pinServiceImage: Rule = {
  id: "pin-service-image",
  severity: "warning",
  title: "Service image is not pinned",
  docs: "A compose service that runs a published image by a floating tag gets a different image on devices that pull later. Pin it by digest, date or full version.",
  check(model) {
    const out: RuleFinding[] = [];
    for (const s of model.services) {
      // With `build`, `image` only names the image that gets built.
      if (!s.image || s.dockerfiles.length > 0) continue;
      const verdict = pinVerdict(parseImageRef(s.image.value));
      if (verdict.pinned) continue;
      out.push({
        message: `service "${s.name}" runs image "${s.image.value}", which is not pinned: ${verdict.reason}`,
        loc: s.image.loc,
      });
    }
    return out;
  },
};
