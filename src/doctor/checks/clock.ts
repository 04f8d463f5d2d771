// The clock: TLS to the fleet fails when it is wrong. Plausibility is judged against the
// build date (never network time); NTP sync is asked of systemd when it is there.
import { BUILD_DATE } from "../build-date.ts";
import type { Check } from "../types.ts";
import { skip } from "../types.ts";

export const clockCheck: Check = {
  id: "clock",
  title: "Clock",
  async run(ctx) {
    const now = ctx.now();
    const built = BUILD_DATE.toISOString().slice(0, 10);
    const figure = `${now.toISOString().replace(/\.\d+Z$/, "Z")} (build ${built})`;
    if (now.getTime() < BUILD_DATE.getTime())
      return {
        status: "fail",
        figure,
        detail: `The clock says ${now.toISOString()}, before this software was built (${built}); certificates will not validate.`,
        action:
          "Let NTP set the clock (allow UDP 123 to the NTP servers) or set it by hand once; check the RTC battery.",
      };
    return { status: "ok", figure, detail: "The clock is not before the build date.", action: "" };
  },
};

export const ntpCheck: Check = {
  id: "ntp",
  title: "NTP sync",
  async run(ctx) {
    const ntp = await ctx.host.ntp(ctx.signal);
    if (ntp.synced === "unknown")
      return skip("unknown", `Could not tell whether the clock is synchronised: ${ntp.source}.`);
    if (ntp.synced)
      return {
        status: "ok",
        figure: "synchronised",
        detail: `According to ${ntp.source}.`,
        action: "",
      };
    return {
      status: "warn",
      figure: "not synchronised",
      detail: `According to ${ntp.source}, the clock is not synchronised.`,
      action: "Make sure the NTP servers (config.json ntpServers) are reachable on UDP 123.",
    };
  },
};
