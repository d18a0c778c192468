// The crdt mode: every node holds every key as a CRDT (crdt-types.ts) and serves every op alone, so
// it stays available through any partition. An op is applied locally, made durable, acknowledged,
// and its delta pushed to every peer (best effort, never retried). Anti-entropy (on by default)
// exchanges digests with a random peer every interval and merges whatever differs, which is what
// makes replicas converge after a partition heals; with --anti-entropy off, deltas lost in a
// partition stay lost and replicas disagree forever (a deliberately non-converging setup).
import type { Logger } from 'pino';
import { AntiEntropy, type AntiEntropyCall } from '../anti-entropy.js';
import type { KvMode, ModeContext } from '../mode.js';
import type { PeerTransport } from '../peer-transport.js';
import { PeerRpc } from '../peer-rpc.js';
import { createPrng, deriveSeed } from '../prng.js';
import { failure, type KvOp, type KvReply, type KvStatus } from '../protocol.js';
import { ReplicaStore } from '../replica-store.js';
import type { ServerOptions } from '../server-options.js';
import { addDelta, counterDelta, crdtValue, mergeCrdt, removeDelta, type CrdtState } from './crdt-types.js';

/** A delta pushed to peers after a local op. */
interface DeltaMessage {
  k: 'crdt';
  key: string;
  state: CrdtState;
}

/** The crdt entry. */
export async function startCrdtMode(ctx: ModeContext): Promise<KvMode> {
  const { options, log, transport } = ctx;
  const store = ReplicaStore.open<CrdtState>({ merge: mergeCrdt }, options.dataDir, 'crdt', options.fsync, options.snapshotEvery, log);
  const replica = new CrdtReplica(options, log, transport, store);
  replica.start();
  return replica;
}

class CrdtReplica implements KvMode {
  private readonly rpc: PeerRpc;
  private readonly antiEntropy: AntiEntropy;
  private readonly peers: string[];
  private stopped = false;

  constructor(
    private readonly options: ServerOptions,
    private readonly log: Logger,
    private readonly transport: PeerTransport,
    private readonly store: ReplicaStore<CrdtState>,
  ) {
    this.peers = options.peers.map((p) => p.id);
    this.rpc = new PeerRpc(transport, (from, body) => (this.stopped ? undefined : this.antiEntropy.answer(from, body as AntiEntropyCall)));
    this.antiEntropy = new AntiEntropy(
      store as ReplicaStore<unknown>,
      this.rpc,
      { intervalMs: options.antiEntropyMs, timeoutMs: options.requestTimeoutMs, peers: this.peers, shares: () => true },
      createPrng(deriveSeed(options.seed, `${options.id}/anti-entropy`)),
      log,
    );
  }

  start(): void {
    this.transport.listen((from, message) => {
      if (this.rpc.deliver(from, message as { k?: unknown })) return;
      const delta = message as DeltaMessage;
      if (delta.k === 'crdt' && !this.stopped) {
        this.store.put(delta.key, delta.state);
        return;
      }
      this.log.warn({ from, kind: (message as { k?: unknown }).k }, 'unknown peer message kind; ignored');
    });
    if (this.options.antiEntropy) this.antiEntropy.start();
    this.log.info({ keys: this.store.size, antiEntropy: this.options.antiEntropy, antiEntropyMs: this.options.antiEntropyMs }, 'crdt replica started');
  }

  async handle(op: KvOp): Promise<KvReply> {
    if (this.stopped) return failure('shutting-down', true, 'node is stopping');
    const current = op.op === 'status' || op.op === 'txn' || op.op === 'member' ? null : this.store.get(op.key);
    switch (op.op) {
      case 'status':
        return { ok: true, ...this.status() };
      case 'read':
        return { ok: true, value: current === null ? null : crdtValue(current) };
      case 'counter-add': {
        if (current !== null && current.t === 'or-set') return wrongType(op.key, current, 'a counter');
        const type = op.type ?? current?.t ?? 'pn-counter';
        if (current !== null && op.type !== undefined && op.type !== current.t) return wrongType(op.key, current, `a ${op.type}`);
        if (type === 'g-counter' && op.delta < 0) return failure('wrong-type', true, `key ${JSON.stringify(op.key)} is a g-counter; it cannot take delta ${op.delta}`);
        return this.apply(op.key, counterDelta(current, type, this.options.id, op.delta));
      }
      case 'set-add':
      case 'set-remove': {
        if (current !== null && current.t !== 'or-set') return wrongType(op.key, current, 'an or-set');
        const delta = op.op === 'set-add' ? addDelta(op.element, `${this.options.id}:${this.store.nextEvent()}`) : removeDelta(current, op.element);
        return this.apply(op.key, delta);
      }
      default:
        return failure('unsupported', true, `mode crdt has no op ${op.op}`);
    }
  }

  status(): KvStatus {
    return { node: this.options.id, mode: 'crdt', role: 'replica', term: 0, leader: null, commitIndex: this.store.size, appliedIndex: this.store.applied };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.antiEntropy.stop();
    this.rpc.stop();
    this.store.close();
  }

  /** Applies a local op's delta, waits until it is durable, then pushes it to every peer. */
  private async apply(key: string, delta: CrdtState): Promise<KvReply> {
    this.store.put(key, delta);
    await this.store.durable();
    if (this.stopped) return failure('shutting-down', false, 'node stopped while the op was being made durable');
    for (const peer of this.peers) this.transport.send(peer, { k: 'crdt', key, state: delta } satisfies DeltaMessage);
    return { ok: true };
  }
}

function wrongType(key: string, current: CrdtState, expected: string): KvReply {
  return failure('wrong-type', true, `key ${JSON.stringify(key)} holds a ${current.t}; expected ${expected}`);
}
