// What one planning call knows and collects: the input, memoised config hashes, lookups
// over the engine snapshot, and the steps of the pass sorted into buckets whose order keeps
// every step's precondition true. Pure, like the planner.
import type { ServiceSpec } from "../release/types.ts";
import type { ContainerState } from "../engine/types.ts";
import { serviceConfigHash } from "./config-hash.ts";
import type { PlannerInput } from "./planner.ts";
import type { Step } from "./steps.ts";

/** Steps of one pass, in the order that keeps every step's precondition true. */
export class StepBuckets {
  fetch: Step[] = [];
  remove: Step[] = [];
  removeImage: Step[] = [];
  create: Step[] = [];
  start: Step[] = [];
  network: Step[] = [];

  ordered(): Step[] {
    return [
      ...this.fetch,
      ...this.remove,
      ...this.removeImage,
      ...this.create,
      ...this.start,
      ...this.network,
    ];
  }

  isEmptyOfContainerWork(): boolean {
    return this.fetch.length + this.remove.length + this.create.length + this.start.length === 0;
  }
}

export class PlanContext {
  readonly input: PlannerInput;
  readonly waiting: string[] = [];
  private readonly hashes = new Map<string, string>();

  constructor(input: PlannerInput) {
    this.input = input;
  }

  hash(s: ServiceSpec): string {
    let h = this.hashes.get(s.name);
    if (!h) this.hashes.set(s.name, (h = serviceConfigHash(this.input.target.app, s)));
    return h;
  }

  imageId(ref: string): string | undefined {
    return this.input.engine.images.find((i) => i.id === ref || i.refs.includes(ref))?.id;
  }

  containersOf(service: string): ContainerState[] {
    return this.input.engine.containers.filter(
      (c) => c.service === service && c.app === this.input.target.app,
    );
  }

  /** The container already running this service's target configuration, if any. */
  currentOf(s: ServiceSpec): ContainerState | undefined {
    return this.containersOf(s.name).find((c) => this.isCurrent(s, c));
  }

  isCurrent(s: ServiceSpec, c: ContainerState): boolean {
    if (c.configHash !== this.hash(s) || c.status === "dead") return false;
    const imageId = this.imageId(s.image);
    if (imageId !== undefined && c.imageId !== imageId) return false;
    const netns = netnsService(s);
    if (netns) {
      const owner = this.input.target.services[netns];
      const ownerContainer = owner && this.currentOf(owner);
      if (!ownerContainer || c.netnsOf !== ownerContainer.id) return false;
    }
    return true;
  }

  locked(service: string): boolean {
    return !this.input.force && (this.input.locks[service]?.locked ?? false);
  }

  /**
   * download-then-kill stops nothing until every image the release needs is on the device.
   * Services that free space first (kill/delete-then-download) cannot have theirs yet.
   */
  allTargetImagesPresent(): boolean {
    return Object.values(this.input.target.services).every(
      (s) =>
        s.updateStrategy === "kill-then-download" ||
        s.updateStrategy === "delete-then-download" ||
        this.currentOf(s) !== undefined ||
        this.imageId(s.image) !== undefined,
    );
  }

  wait(reason: string): void {
    this.waiting.push(reason);
  }
}

export function netnsService(s: ServiceSpec): string | undefined {
  return s.networkMode?.startsWith("service:") ? s.networkMode.slice("service:".length) : undefined;
}

export function isNone(s: ServiceSpec): boolean {
  return s.healthcheck?.test[0] === "NONE";
}
