// Reads that wait for this node to catch up: a read with `after` on a node whose state is older
// waits (at most --catch-up-ms) for replication to bring it there, re-checked whenever the mode
// applies something, and then is served or answered `stale`.

interface Waiter {
  ready: () => boolean;
  resolve: (caughtUp: boolean) => void;
  timer: NodeJS.Timeout;
}

export class CatchUp {
  private readonly waiters = new Set<Waiter>();

  /** Resolves true as soon as `ready()` holds (now, or at a later poke), false after waitMs. */
  until(ready: () => boolean, waitMs: number): Promise<boolean> {
    if (ready()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        ready,
        resolve,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(false);
        }, waitMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Re-checks every waiter: call after the state moved on. */
  poke(): void {
    for (const waiter of this.waiters) {
      if (!waiter.ready()) continue;
      this.waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.resolve(true);
    }
  }

  /** Gives up on every waiter (the node is stopping). */
  abandonAll(): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
    this.waiters.clear();
  }
}
