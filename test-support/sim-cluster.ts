// A deterministic simulated cluster for testing the Raft core: a seeded network that delays,
// reorders, duplicates and drops messages, partitions links, crashes and restarts nodes from what
// they persisted, and checks Election Safety, State Machine Safety and Leader Completeness as it runs.
import { createPrng, deriveSeed, type Prng } from '../src/kv/prng.js';
import { RaftCore } from '../src/kv/raft/raft-core.js';
import type { ConfigChange, Entry, HardState, NodeId, RaftMessage, Ready, Snapshot } from '../src/kv/raft/raft-types.js';

/** Network and timing knobs; all probabilities are per message. */
export interface SimOptions {
  nodes: number;
  seed: number;
  dropRate?: number;
  duplicateRate?: number;
  /** Each message is delivered 1..maxDelayTicks ticks after it is sent. */
  maxDelayTicks?: number;
  electionTicksMin?: number;
  electionTicksMax?: number;
  heartbeatTicks?: number;
  maxEntriesPerAppend?: number;
  /** Take a snapshot after this many applied entries; 0 never compacts. */
  snapshotEvery?: number;
}

/** What a node has on its simulated disk. */
interface SimDisk {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];
}

/** One simulated node: its disk survives a crash, its core does not. */
export interface SimNode {
  id: NodeId;
  core: RaftCore | null;
  disk: SimDisk;
  appliedIndex: number;
  /** Data of applied entries in order (no-ops included as null), since the last snapshot restore. */
  applied: unknown[];
  readStates: { ctx: number; index: number }[];
  droppedReads: number[];
  incarnation: number;
}

interface InFlight {
  at: number;
  msg: RaftMessage;
}

export class SimCluster {
  readonly ids: NodeId[];
  readonly nodes = new Map<NodeId, SimNode>();
  readonly random: Prng;
  now = 0;
  dropRate: number;
  duplicateRate: number;
  maxDelayTicks: number;
  /** Committed entries by index, as first applied by any node: every other node must agree. */
  readonly committed = new Map<number, { term: number; data: unknown }>();
  /** The leader of each term seen so far. */
  readonly leaders = new Map<number, NodeId>();
  private readonly opts: Required<SimOptions>;
  private inFlight: InFlight[] = [];
  private cut = new Set<string>();

  constructor(opts: SimOptions) {
    this.opts = {
      dropRate: 0,
      duplicateRate: 0,
      maxDelayTicks: 1,
      electionTicksMin: 10,
      electionTicksMax: 20,
      heartbeatTicks: 2,
      maxEntriesPerAppend: 8,
      snapshotEvery: 0,
      ...opts,
    };
    this.random = createPrng(opts.seed);
    this.dropRate = this.opts.dropRate;
    this.duplicateRate = this.opts.duplicateRate;
    this.maxDelayTicks = this.opts.maxDelayTicks;
    this.ids = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
    for (const id of this.ids) {
      const node: SimNode = {
        id,
        core: null,
        disk: { hardState: { term: 0, vote: null }, snapshot: null, entries: [] },
        appliedIndex: 0,
        applied: [],
        readStates: [],
        droppedReads: [],
        incarnation: 0,
      };
      this.nodes.set(id, node);
      this.boot(node);
    }
  }

  node(id: NodeId): SimNode {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`sim: no node "${id}"; nodes are ${this.ids.join(', ')}`);
    return node;
  }

  core(id: NodeId): RaftCore {
    const core = this.node(id).core;
    if (!core) throw new Error(`sim: node "${id}" is crashed`);
    return core;
  }

  /** Advances one tick: deliver due messages in random order, tick every live node, drain output. */
  tick(): void {
    this.now++;
    const due = this.inFlight.filter((f) => f.at <= this.now);
    this.inFlight = this.inFlight.filter((f) => f.at > this.now);
    shuffle(due, this.random);
    for (const { msg } of due) {
      const target = this.nodes.get(msg.to);
      if (!target?.core || this.isCut(msg.from, msg.to)) continue;
      target.core.step(msg);
      this.drain(target);
    }
    for (const node of this.nodes.values()) {
      if (!node.core) continue;
      node.core.tick();
      this.drain(node);
    }
  }

  run(ticks: number): void {
    for (let i = 0; i < ticks; i++) this.tick();
  }

  /** Runs until some live node is a leader recognised by a majority of live nodes; returns it. */
  runUntilLeader(maxTicks = 500): NodeId {
    for (let i = 0; i < maxTicks; i++) {
      const leader = this.stableLeader();
      if (leader) return leader;
      this.tick();
    }
    throw new Error(`sim seed ${this.opts.seed}: no stable leader within ${maxTicks} ticks`);
  }

  /** The live leader with the highest term, if a majority of its configuration follows it in that term. */
  stableLeader(): NodeId | undefined {
    let best: RaftCore | undefined;
    for (const node of this.nodes.values()) {
      if (node.core?.role === 'leader' && (!best || node.core.term > best.term)) best = node.core;
    }
    if (!best) return undefined;
    const voters = best.configAt(best.log.lastIndex());
    const followers = voters.filter((id) => {
      const core = this.nodes.get(id)?.core;
      return core && core.term === best.term && core.leader === best.id;
    });
    return followers.length >= Math.floor(voters.length / 2) + 1 ? best.id : undefined;
  }

  /** Proposes a membership change on `id` and drains its output (see RaftCore.proposeConfChange). */
  changeMembership(id: NodeId, change: ConfigChange): ReturnType<RaftCore['proposeConfChange']> {
    const node = this.node(id);
    const placed = node.core?.proposeConfChange(change) ?? null;
    if (node.core) this.drain(node);
    return placed;
  }

  /** Proposes on `id` and drains its output; returns the index or null when it is not the leader. */
  propose(id: NodeId, data: unknown): { index: number; term: number } | null {
    const node = this.node(id);
    const placed = node.core?.propose(data) ?? null;
    if (node.core) this.drain(node);
    return placed;
  }

  readIndex(id: NodeId, ctx: number): boolean {
    const node = this.node(id);
    const started = node.core?.readIndex(ctx) ?? false;
    if (node.core) this.drain(node);
    return started;
  }

  /** Cuts both directions between every pair of nodes in different groups. */
  partition(groups: NodeId[][]): void {
    this.cut.clear();
    for (const a of groups) {
      for (const b of groups) {
        if (a === b) continue;
        for (const x of a) for (const y of b) this.cut.add(`${x}>${y}`);
      }
    }
  }

  /** Cuts the one-way link from -> to. */
  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}>${to}`);
  }

  heal(): void {
    this.cut.clear();
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(`${from}>${to}`);
  }

  /** Stops a node; its disk keeps what it persisted, messages to it are lost. */
  crash(id: NodeId): void {
    this.node(id).core = null;
  }

  /** Restarts a crashed node from its disk. */
  restart(id: NodeId): void {
    const node = this.node(id);
    if (node.core) throw new Error(`sim: node "${id}" is running`);
    this.boot(node);
  }

  private boot(node: SimNode): void {
    node.incarnation++;
    // Entries and snapshots are never mutated by the core, so sharing them is safe; arrays are copied.
    const disk = { hardState: { ...node.disk.hardState }, snapshot: node.disk.snapshot, entries: [...node.disk.entries] };
    node.core = new RaftCore({
      id: node.id,
      peers: this.ids.filter((p) => p !== node.id),
      electionTicksMin: this.opts.electionTicksMin,
      electionTicksMax: this.opts.electionTicksMax,
      heartbeatTicks: this.opts.heartbeatTicks,
      maxEntriesPerAppend: this.opts.maxEntriesPerAppend,
      random: createPrng(deriveSeed(this.opts.seed, `${node.id}/${node.incarnation}`)),
      recovered: disk,
    });
    node.appliedIndex = disk.snapshot?.index ?? 0;
    node.applied = [];
  }

  private drain(node: SimNode): void {
    const core = node.core!;
    while (core.hasReady()) {
      const rd = core.ready();
      this.persist(node, rd);
      for (const msg of rd.messages) this.send(msg);
      if (rd.snapshot) {
        this.checkSnapshot(node, rd.snapshot);
        node.appliedIndex = rd.snapshot.index;
        node.applied = [];
      }
      for (const e of rd.committedEntries) this.apply(node, e);
      node.readStates.push(...rd.readStates);
      node.droppedReads.push(...rd.droppedReads);
      this.maybeCompact(node);
    }
    this.checkLeader(node);
  }

  private persist(node: SimNode, rd: Ready): void {
    const disk = node.disk;
    if (rd.snapshot) {
      disk.snapshot = rd.snapshot;
      disk.entries = [];
    }
    if (rd.hardState) disk.hardState = { ...rd.hardState };
    const first = rd.entries[0];
    if (first) {
      const base = disk.snapshot?.index ?? 0;
      disk.entries.length = first.index - base - 1;
      disk.entries.push(...rd.entries);
    }
  }

  private send(msg: RaftMessage): void {
    if (this.isCut(msg.from, msg.to) || this.random.next() < this.dropRate) return;
    const copies = this.random.next() < this.duplicateRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.inFlight.push({ at: this.now + this.random.int(1, this.maxDelayTicks), msg });
    }
  }

  private apply(node: SimNode, e: Entry): void {
    if (e.index !== node.appliedIndex + 1) {
      throw new Error(`sim seed ${this.opts.seed}: ${node.id} applied index ${e.index} after ${node.appliedIndex}`);
    }
    node.appliedIndex = e.index;
    node.applied.push(e.data);
    const known = this.committed.get(e.index);
    if (!known) {
      this.committed.set(e.index, { term: e.term, data: e.data });
    } else if (known.term !== e.term || JSON.stringify(known.data) !== JSON.stringify(e.data)) {
      throw new Error(
        `sim seed ${this.opts.seed}: State Machine Safety violated at index ${e.index}: ${node.id} applied term ${e.term} ${JSON.stringify(e.data)}, ` +
          `another node applied term ${known.term} ${JSON.stringify(known.data)}`,
      );
    }
  }

  private checkSnapshot(node: SimNode, snap: Snapshot): void {
    const known = this.committed.get(snap.index);
    if (known && known.term !== snap.term) {
      throw new Error(`sim seed ${this.opts.seed}: ${node.id} installed snapshot ${snap.index}/${snap.term} but index ${snap.index} committed in term ${known.term}`);
    }
  }

  private maybeCompact(node: SimNode): void {
    const core = node.core!;
    const every = this.opts.snapshotEvery;
    if (every <= 0 || node.appliedIndex - core.log.snapshotIndex < every) return;
    const snap: Snapshot = { index: node.appliedIndex, term: core.log.term(node.appliedIndex)!, data: { index: node.appliedIndex }, config: core.configAt(node.appliedIndex) };
    core.compact(snap);
    node.disk.snapshot = snap;
    node.disk.entries = node.disk.entries.filter((e) => e.index > snap.index);
  }

  /** Election Safety (one leader per term) and Leader Completeness (a leader holds all committed entries). */
  private checkLeader(node: SimNode): void {
    const core = node.core!;
    if (core.role !== 'leader') return;
    const known = this.leaders.get(core.term);
    if (known === undefined) {
      this.leaders.set(core.term, node.id);
      for (const [index, entry] of this.committed) {
        if (index <= core.log.snapshotIndex) continue;
        if (core.log.term(index) !== entry.term) {
          throw new Error(`sim seed ${this.opts.seed}: Leader Completeness violated: ${node.id} leads term ${core.term} without committed index ${index}`);
        }
      }
    } else if (known !== node.id) {
      throw new Error(`sim seed ${this.opts.seed}: Election Safety violated: ${known} and ${node.id} both lead term ${core.term}`);
    }
  }
}

function shuffle<T>(items: T[], random: Prng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
