// How long work shows up on a terminal or for scripts: one line per step (with its time),
// live progress bars for pulls and builds on a TTY, NDJSON events with --json.
import { createRequire } from "node:module";
import type { MultiBar, SingleBar } from "cli-progress";
import type { Progress } from "../engine/types.ts";
import type { ExecutorDeps } from "../reconcile/executor.ts";

type StepEvent = Parameters<ExecutorDeps["onStep"]>[0];

export interface StepView {
  progress(p: Progress): void;
  step(e: StepEvent): void;
  info(line: string): void;
  close(): void;
}

export function createStepView(opts: { json: boolean; out: NodeJS.WriteStream }): StepView {
  return opts.json ? jsonView(opts.out) : textView(opts.out);
}

function jsonView(out: NodeJS.WritableStream): StepView {
  const emit = (o: object) =>
    out.write(`${JSON.stringify({ time: new Date().toISOString(), ...o })}\n`);
  let lastProgress = 0;
  return {
    progress(p) {
      const now = Date.now();
      if (now - lastProgress < 250) return; // scripts want a trickle, not every layer chunk
      lastProgress = now;
      emit({ event: "progress", ...p });
    },
    step(e) {
      emit({
        event: "step",
        phase: e.phase,
        step: e.description,
        ...(e.error ? { error: e.error.message } : {}),
      });
    },
    info(line) {
      emit({ event: "info", message: line });
    },
    close() {},
  };
}

function textView(out: NodeJS.WriteStream): StepView {
  const tty = Boolean(out.isTTY) && !process.env.CI;
  const started = new Map<string, number>();
  // Loaded only for a terminal: the agent under systemd (no TTY) never needs the bars.
  const cliProgress = tty
    ? (createRequire(import.meta.url)("cli-progress") as typeof import("cli-progress"))
    : undefined;
  const bars: MultiBar | undefined = cliProgress
    ? new cliProgress.MultiBar(
        {
          format: " {subject} [{bar}] {percentage}% {detail}",
          hideCursor: true,
          clearOnComplete: true,
          stream: out,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const bar = new Map<string, SingleBar>();
  const lastLine = new Map<string, string>();
  const log = (line: string) => (bars ? bars.log(`${line}\n`) : out.write(`${line}\n`));
  return {
    progress(p) {
      if (bars) {
        let b = bar.get(p.subject);
        if (!b)
          bar.set(
            p.subject,
            (b = bars.create(p.total ?? 1, 0, { subject: p.subject, detail: "" })),
          );
        if (p.total) b.setTotal(p.total);
        b.update(p.current ?? 0, { subject: p.subject, detail: p.detail ?? p.phase });
        return;
      }
      // Without a TTY: print each phase change once (build steps, pull stages), not every byte.
      const line = `  ${p.subject}: ${p.detail ?? p.phase}`;
      if (
        lastLine.get(p.subject) !== line &&
        p.detail &&
        !/^(Downloading|Extracting)$/.test(p.detail)
      ) {
        lastLine.set(p.subject, line);
        log(line);
      }
    },
    step(e) {
      if (e.phase === "start") {
        started.set(e.description, Date.now());
        log(`→ ${e.description}`);
        return;
      }
      const ms = Date.now() - (started.get(e.description) ?? Date.now());
      const b = bar.get(e.step.action === "fetchImage" ? e.step.service.image : "");
      if (b) {
        bars?.remove(b);
        bar.delete(e.step.action === "fetchImage" ? e.step.service.image : "");
      }
      log(
        e.phase === "done"
          ? `✓ ${e.description} (${(ms / 1000).toFixed(1)} s)`
          : `✗ ${e.description}: ${e.error?.message}`,
      );
    },
    info(line) {
      log(line);
    },
    close() {
      bars?.stop();
    },
  };
}
