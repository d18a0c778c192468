// A TCP proxy for one directed link between two nodes (the connecting side `from`, the listening
// side `to`). Partitions are real: a blocked direction stops forwarding bytes (held, like packets
// that TCP will retransmit), so connections hang instead of being reset; healing delivers them.
// Packet faults are link shapes (link-shaping.ts): each chunk delayed, throttled, stalled or reset.
// A one-way cut blocks one direction only: connections still open (as TCP's handshake and acks
// still pass the Docker runtime's one-way rule) and bytes flow the other way, so the deaf side
// hears nothing while the other side hears everything it is sent.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createRandom } from '../random.js';
import { LinkSchedule, type LinkShape } from './link-shaping.js';
import type { Address } from './runtime.js';

/** Which directions of a link are cut. */
export interface LinkBlock {
  /** Bytes from `from` to `to` are not forwarded (`to` drops traffic from `from`). */
  forward: boolean;
  /** Bytes from `to` back to `from` are not forwarded. */
  backward: boolean;
}

/** Above this many bytes waiting for their delivery time, the relay stops reading (TCP backpressure). */
const QUEUE_HIGH_BYTES = 16 * 1024;

/**
 * One direction of one connection: forwards chunks unless blocked, with backpressure. Under a link
 * shape each chunk waits for the time its schedule gives, in arrival order; a blocked direction
 * also holds what waits (bytes in flight when a partition starts are held too).
 */
class Relay {
  private held: Buffer[] = [];
  private queue: { chunk: Buffer; atMs: number }[] = [];
  private queuedBytes = 0;
  private schedule: LinkSchedule | undefined;
  private timer: NodeJS.Timeout | undefined;
  private blocked = false;
  private awaitingDrain = false;
  private ended = false;
  private sinkEnded = false;

  constructor(private readonly source: Socket, private readonly sink: Socket, private readonly reset: () => void) {
    source.on('data', (chunk: Buffer) => this.onData(chunk));
    source.on('end', () => {
      this.ended = true;
      this.deliverDue();
    });
    sink.on('drain', () => {
      this.awaitingDrain = false;
      this.resumeIfFree();
    });
    source.on('close', () => this.dispose());
    sink.on('close', () => this.dispose());
  }

  setBlocked(blocked: boolean): void {
    this.blocked = blocked;
    if (blocked) {
      this.source.pause();
      clearTimeout(this.timer);
      return;
    }
    const held = this.held;
    this.held = [];
    for (const chunk of held) this.admit(chunk);
    this.deliverDue();
    this.resumeIfFree();
  }

  /** Shapes what arrives from now on; without a schedule, what waits is delivered at once (in order). */
  setSchedule(schedule: LinkSchedule | undefined): void {
    this.schedule = schedule;
    if (schedule === undefined) for (const entry of this.queue) entry.atMs = 0;
    this.deliverDue();
  }

  /** True while a shape applies or shaped bytes wait. */
  get shaped(): boolean {
    return this.schedule !== undefined || this.queue.length > 0;
  }

  private onData(chunk: Buffer): void {
    if (this.blocked) {
      this.held.push(chunk);
      this.source.pause();
    } else {
      this.admit(chunk);
      this.deliverDue();
    }
  }

  private admit(chunk: Buffer): void {
    const fate = this.schedule?.admit(performance.now(), chunk.length) ?? { deliverAtMs: 0 };
    if (fate === 'reset') {
      this.reset();
      return;
    }
    const tail = this.queue[this.queue.length - 1];
    this.queue.push({ chunk, atMs: Math.max(fate.deliverAtMs, tail?.atMs ?? 0) });
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > QUEUE_HIGH_BYTES) this.source.pause();
  }

  /** Writes every chunk whose time has come, then waits for the next one. */
  private deliverDue(): void {
    clearTimeout(this.timer);
    if (this.blocked || this.sink.destroyed) return;
    const now = performance.now();
    while (this.queue.length > 0 && (this.queue[0] as { atMs: number }).atMs <= now) {
      const { chunk } = this.queue.shift() as { chunk: Buffer };
      this.queuedBytes -= chunk.length;
      if (!this.sink.write(chunk)) this.awaitingDrain = true;
    }
    const next = this.queue[0];
    if (next !== undefined) {
      this.timer = setTimeout(() => this.deliverDue(), Math.max(1, Math.ceil(next.atMs - now)));
    } else if (this.ended && !this.sinkEnded) {
      this.sinkEnded = true;
      this.sink.end();
    }
    if (this.awaitingDrain) this.source.pause();
    else this.resumeIfFree();
  }

  private resumeIfFree(): void {
    if (!this.blocked && !this.awaitingDrain && !this.ended && this.queuedBytes <= QUEUE_HIGH_BYTES) this.source.resume();
  }

  private dispose(): void {
    clearTimeout(this.timer);
    this.queue = [];
    this.queuedBytes = 0;
    this.schedule = undefined;
  }
}

/** Listens on an ephemeral loopback port and forwards each connection to `target`. */
export class LinkProxy {
  private server: Server | undefined;
  private block: LinkBlock = { forward: false, backward: false };
  private readonly connections = new Set<Connection>();
  private readonly waiting = new Set<() => void>();
  private shaping: { shape: LinkShape; originMs: number; generation: number } | undefined;
  private generation = 0;
  private accepted = 0;
  address: Address | undefined;

  constructor(readonly from: string, readonly to: string, private readonly target: Address) {}

  async start(): Promise<Address> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as { port: number };
    this.address = { host: '127.0.0.1', port };
    return this.address;
  }

  /** Changes which directions are cut; takes effect on live connections at once. */
  setBlock(block: LinkBlock): void {
    this.block = block;
    for (const conn of this.connections) {
      conn.forward?.setBlocked(block.forward);
      conn.backward?.setBlocked(block.backward);
    }
    if (!isCut(block)) {
      for (const release of [...this.waiting]) release();
    }
  }

  /** Shapes both directions of the link, live connections at once; undefined removes the shape. */
  setShaping(shape: LinkShape | undefined): void {
    this.generation++;
    this.shaping = shape && { shape, originMs: performance.now(), generation: this.generation };
    for (const conn of this.connections) {
      conn.forward?.setSchedule(this.scheduleFor(conn.id, 'forward'));
      conn.backward?.setSchedule(this.scheduleFor(conn.id, 'backward'));
    }
  }

  /** The link's shape now, if any. */
  get shape(): LinkShape | undefined {
    return this.shaping?.shape;
  }

  /** True when a shape applies or any connection still holds shaped bytes. */
  get shaped(): boolean {
    return this.shaping !== undefined || [...this.connections].some((c) => c.forward?.shaped === true || c.backward?.shaped === true);
  }

  async stop(): Promise<void> {
    for (const conn of this.connections) {
      conn.client.destroy();
      conn.upstream?.destroy();
    }
    this.connections.clear();
    this.waiting.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A schedule of the current shape for one direction of one connection, with a random stream of its own. */
  private scheduleFor(id: number, direction: 'forward' | 'backward'): LinkSchedule | undefined {
    if (!this.shaping) return undefined;
    const { shape, originMs, generation } = this.shaping;
    return new LinkSchedule(shape, originMs, createRandom(seedOf(`${this.from}->${this.to} #${id} ${direction} ${generation}`)));
  }

  private accept(client: Socket): void {
    const conn: Connection = { id: ++this.accepted, client };
    this.connections.add(conn);
    client.pause();
    client.on('error', () => conn.upstream?.destroy());
    client.on('close', () => {
      conn.upstream?.destroy();
      this.connections.delete(conn);
    });
    // A handshake needs both directions: while both are cut, the connection attempt just hangs.
    // Cut one way, it opens, and only the other direction's bytes flow.
    const open = (): void => {
      this.waiting.delete(open);
      if (client.destroyed) return;
      const upstream = connect(this.target.port, this.target.host);
      conn.upstream = upstream;
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => client.destroy());
      // A reset ends both sides with RST, as a middlebox's reset would.
      const reset = (): void => {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      };
      conn.forward = new Relay(client, upstream, reset);
      conn.backward = new Relay(upstream, client, reset);
      conn.forward.setSchedule(this.scheduleFor(conn.id, 'forward'));
      conn.backward.setSchedule(this.scheduleFor(conn.id, 'backward'));
      conn.forward.setBlocked(this.block.forward);
      conn.backward.setBlocked(this.block.backward);
    };
    if (isCut(this.block)) this.waiting.add(open);
    else open();
  }
}

interface Connection {
  id: number;
  client: Socket;
  upstream?: Socket;
  forward?: Relay;
  backward?: Relay;
}

/** A 32-bit seed from a label (FNV-1a): each connection's jitter and resets draw from a stream of their own. */
function seedOf(label: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** Both directions blocked: nothing, not even a handshake, gets through. */
function isCut(block: LinkBlock): boolean {
  return block.forward && block.backward;
}
