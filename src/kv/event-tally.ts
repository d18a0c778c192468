// Counts frequent events (read repairs, anti-entropy repairs) and logs them at most once per
// interval, so a node's log shows each burst of repairs as one line with the keys and peers involved.
import type { Logger } from 'pino';

export class EventTally {
  private count = 0;
  private readonly keys = new Set<string>();
  private readonly peers = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    private readonly event: string,
    private readonly what: string,
    private readonly intervalMs = 1000,
  ) {}

  /** Notes one event about `key`, involving `peer`. */
  note(key: string, peer: string): void {
    this.count++;
    if (this.keys.size < 10) this.keys.add(key);
    this.peers.add(peer);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Logs what was noted since the last line. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.count === 0) return;
    const peers = [...this.peers].sort();
    this.log.info({ event: this.event, count: this.count, keys: [...this.keys], peers }, `${this.what}: ${this.count} on ${peers.join(' ')}`);
    this.count = 0;
    this.keys.clear();
    this.peers.clear();
  }
}
