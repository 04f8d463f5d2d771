import { HTTP_TOOLS, isHttpCall, mentionsSupervisor, pollingLoop } from "../facts.ts";
import type { Context, LoopCtx } from "../model.ts";
import { callsOf, commandsOf } from "../model.ts";
import type { Loc, Rule, RuleFinding } from "../types.ts";

/** Waiting less than this between supervisor calls counts as tight polling. */
const MIN_INTERVAL_SECONDS = 1;

function verdict(service: string, loop: LoopCtx, loc: Loc): RuleFinding | undefined {
  const line = `loop at line ${loop.loc.line}`;
  if (!loop.sleeps) {
    return {
      message: `service "${service}" calls the supervisor API in a ${line} that never waits: it can flood the supervisor`,
      loc,
      severity: "error",
    };
  }
  if (loop.minSleepSeconds !== undefined && loop.minSleepSeconds < MIN_INTERVAL_SECONDS) {
    return {
      message: `service "${service}" polls the supervisor API every ${loop.minSleepSeconds}s (${line}); poll at most once a second and back off on errors`,
      loc,
    };
  }
  return undefined;
}

export const supervisorApiPoll: Rule = {
  id: "supervisor-api-poll",
  severity: "warning",
  title: "Supervisor API polled in a tight loop",
  docs: "The supervisor is what applies updates; a container hammering its API can starve it. Poll with a sleep of at least a second, and back off when it answers with an error.",
  check(model) {
    const out: RuleFinding[] = [];
    const check = (service: string, ctx: Context, loc: Loc) => {
      const loop = pollingLoop(ctx);
      const f = loop && verdict(service, loop, loc);
      if (f) out.push(f);
    };
    for (const s of model.services) {
      for (const c of commandsOf(s)) {
        if (
          c.phase === "runtime" &&
          HTTP_TOOLS.has(c.name) &&
          mentionsSupervisor(c.args.map((a) => a.value).join(" "))
        )
          check(s.name, c, c.loc);
      }
      for (const call of callsOf(s)) {
        if (!isHttpCall(call)) continue;
        const text = [...call.args, ...Object.values(call.kwargs)].map((a) => a.value).join(" ");
        if (mentionsSupervisor(text)) check(s.name, call, call.loc);
      }
    }
    return out;
  },
};
