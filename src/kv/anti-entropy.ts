// Anti-entropy for the leaderless modes: every interval a node picks a random peer and they compare
// digests (a hash of each key's state) for the keys both should hold, then swap the states that
// differ and merge them. Merges are joins, so repairs are safe in any order and any number of times;
// after a partition heals, every pair of replicas converges within a few rounds.
import type { Logger } from 'pino';
import { EventTally } from './event-tally.js';
import type { PeerRpc } from './peer-rpc.js';
import type { Prng } from './prng.js';
import type { ReplicaStore } from './replica-store.js';

/** Anti-entropy calls, as rpc bodies. */
export type AntiEntropyCall =
  | { t: 'ae-digest'; digest: Record<string, string> }
  | { t: 'ae-push'; entries: [string, unknown][] };

export interface AntiEntropyOptions {
  intervalMs: number;
  timeoutMs: number;
  peers: readonly string[];
  /** Whether `peer` should hold `key` too (quorum: both on its preference list; crdt: always). */
  shares(peer: string, key: string): boolean;
}

export class AntiEntropy {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly repairs: EventTally;

  constructor(
    private readonly store: ReplicaStore<unknown>,
    private readonly rpc: PeerRpc,
    private readonly options: AntiEntropyOptions,
    private readonly random: Prng,
    log: Logger,
  ) {
    this.repairs = new EventTally(log, 'anti-entropy', 'anti-entropy repaired keys');
  }

  start(): void {
    if (this.options.peers.length === 0) return;
    this.timer = setInterval(() => void this.round(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.repairs.flush();
  }

  /** Answers a peer's anti-entropy call; undefined when `body` is not one. */
  async answer(from: string, body: AntiEntropyCall): Promise<unknown> {
    if (body.t === 'ae-digest') {
      const push: [string, unknown][] = [];
      const want: string[] = [];
      for (const [key, hash] of Object.entries(body.digest)) {
        const mine = this.store.hashOf(key);
        if (mine === hash) continue;
        if (mine !== undefined) push.push([key, this.store.get(key)]);
        want.push(key);
      }
      for (const key of this.sharedKeys(from)) {
        if (!Object.hasOwn(body.digest, key)) push.push([key, this.store.get(key)]);
      }
      return { push, want };
    }
    await this.merge(from, body.entries);
    return { merged: body.entries.length };
  }

  /** One exchange with a random peer. */
  async round(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const peers = this.options.peers;
      const peer = peers[this.random.int(0, peers.length - 1)]!;
      const digest: Record<string, string> = {};
      for (const key of this.sharedKeys(peer)) digest[key] = this.store.hashOf(key)!;
      const reply = await this.rpc.call(peer, { t: 'ae-digest', digest } satisfies AntiEntropyCall, this.options.timeoutMs);
      if (!reply.answered) return;
      const { push, want } = reply.body as { push: [string, unknown][]; want: string[] };
      await this.merge(peer, push);
      const entries = want.flatMap((key): [string, unknown][] => {
        const state = this.store.get(key);
        return state === null ? [] : [[key, state]];
      });
      if (entries.length > 0) await this.rpc.call(peer, { t: 'ae-push', entries } satisfies AntiEntropyCall, this.options.timeoutMs);
    } finally {
      this.running = false;
    }
  }

  private *sharedKeys(peer: string): Iterable<string> {
    for (const key of this.store.keys()) if (this.options.shares(peer, key)) yield key;
  }

  private async merge(from: string, entries: [string, unknown][]): Promise<void> {
    let changed = false;
    for (const [key, state] of entries) {
      if (this.store.put(key, state)) {
        changed = true;
        this.repairs.note(key, from);
      }
    }
    if (changed) await this.store.durable();
  }
}
