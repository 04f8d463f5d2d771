// Reboot and shutdown as the local API asks for them: the reboot-loop guard decides first
// (force never bypasses it), then the device's command runs detached, after the API had
// time to answer. The agent itself never reboots the device because of its own health.
import { spawn } from "node:child_process";
import type { PowerControl } from "../reconcile/controller.ts";
import type { PowerAction, RebootGuard } from "./reboot-guard.ts";

export interface PowerCommands {
  reboot: string;
  shutdown: string;
}

export const DEFAULT_POWER_COMMANDS: PowerCommands = {
  reboot: "systemctl reboot",
  shutdown: "systemctl poweroff",
};

export class GuardedPower implements PowerControl {
  private readonly guard: RebootGuard;
  private readonly commands: PowerCommands;
  private readonly log: (line: string) => void;

  constructor(deps: { guard: RebootGuard; commands: PowerCommands; log: (line: string) => void }) {
    this.guard = deps.guard;
    this.commands = deps.commands;
    this.log = deps.log;
  }

  reboot(): Promise<void> {
    return this.run("reboot");
  }

  shutdown(): Promise<void> {
    return this.run("shutdown");
  }

  private async run(kind: PowerAction): Promise<void> {
    await this.guard.enforce(kind, Date.now(), "api");
    const command = this.commands[kind];
    this.log(`${kind} accepted: running "${command}" in 2 s`);
    setTimeout(() => {
      const child = spawn("sh", ["-c", command], { detached: true, stdio: "ignore" });
      child.on("error", (e) => this.log(`${kind} command failed to start: ${e.message}`));
      child.on("exit", (code) => {
        if (code) this.log(`${kind} command "${command}" exited with code ${code}`);
      });
      child.unref();
    }, 2000).unref();
  }
}
