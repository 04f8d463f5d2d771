// A counter of calls in progress that refuses, never queues: a caller over the limit gets
// 503 at once instead of holding a socket and memory while it waits.

export class ConcurrencyLimit {
  readonly max: number;
  private running = 0;

  constructor(max: number) {
    this.max = max;
  }

  /** A release function, or undefined when the limit is reached. Release is idempotent. */
  tryAcquire(): (() => void) | undefined {
    if (this.running >= this.max) return undefined;
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
    };
  }

  get inUse(): number {
    return this.running;
  }
}
