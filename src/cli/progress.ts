// Progress for long CLI steps: phases with byte counts, rendered as a bar on a TTY, as
// plain phase lines when piped, or as NDJSON events with --json. Structurally it is the
// `Progress` the image code takes, so domain code never imports the CLI.
import cliProgress from "cli-progress";

export interface ProgressReporter {
  phase(name: string, total?: number): void;
  update(done: number): void;
  note(message: string, data?: Record<string, unknown>): void;
  /** Print the command's result (JSON object with --json, text otherwise). */
  result(text: string, data: Record<string, unknown>): void;
  close(): void;
}

export interface ProgressOptions {
  json: boolean;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream & { isTTY?: boolean };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

export function createProgress(options: ProgressOptions): ProgressReporter {
  if (options.json) return jsonProgress(options.out);
  return options.err.isTTY ? ttyProgress(options) : lineProgress(options);
}

function jsonProgress(out: NodeJS.WritableStream): ProgressReporter {
  let phase = "";
  let total: number | undefined;
  let last = 0;
  let lastDone = 0;
  const emit = (o: Record<string, unknown>) => out.write(`${JSON.stringify(o)}\n`);
  return {
    phase(name, t) {
      phase = name;
      total = t;
      lastDone = 0;
      emit({ type: "phase", phase, total: total ?? null });
    },
    update(done) {
      lastDone = done;
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      emit({ type: "progress", phase, done, total: total ?? null });
    },
    note(message, data) {
      emit({ type: "note", phase, message, ...data });
    },
    result(_text, data) {
      if (lastDone > 0) emit({ type: "progress", phase, done: lastDone, total: total ?? null });
      emit({ type: "result", ...data });
    },
    close() {},
  };
}

function lineProgress({ out, err }: ProgressOptions): ProgressReporter {
  return {
    phase(name, total) {
      err.write(`${name}${total ? ` (${formatBytes(total)})` : ""}…\n`);
    },
    update() {},
    note(message) {
      err.write(`  ${message}\n`);
    },
    result(text) {
      out.write(`${text}\n`);
    },
    close() {},
  };
}

function ttyProgress({ out, err }: ProgressOptions): ProgressReporter {
  let bar: cliProgress.SingleBar | undefined;
  let total = 0;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    phase(name, t) {
      stop();
      total = t ?? 0;
      bar = new cliProgress.SingleBar(
        {
          stream: err as NodeJS.WritableStream & { isTTY: true },
          format: `${name.padEnd(24)} {bar} {doneText}${t ? " / {totalText}" : ""}`,
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.max(total, 1), 0, { doneText: "0 B", totalText: formatBytes(total) });
    },
    update(done) {
      if (done > total && bar) {
        total = done;
        bar.setTotal(total);
      }
      bar?.update(done, { doneText: formatBytes(done), totalText: formatBytes(total) });
    },
    note(message) {
      stop();
      err.write(`  ${message}\n`);
    },
    result(text) {
      stop();
      out.write(`${text}\n`);
    },
    close: stop,
  };
}
