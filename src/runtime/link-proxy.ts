// A TCP proxy for one directed link between two nodes (the connecting side `from`, the listening
// side `to`). Partitions are real: a blocked direction stops forwarding bytes (held, like packets
// that TCP will retransmit), so connections hang instead of being reset; healing delivers them.
// A one-way cut blocks one direction only: connections still open (as TCP's handshake and acks
// still pass the Docker runtime's one-way rule) and bytes flow the other way, so the deaf side
// hears nothing while the other side hears everything it is sent.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Address } from './runtime.js';

/** Which directions of a link are cut. */
export interface LinkBlock {
  /** Bytes from `from` to `to` are not forwarded (`to` drops traffic from `from`). */
  forward: boolean;
  /** Bytes from `to` back to `from` are not forwarded. */
  backward: boolean;
}

/** One direction of one connection: forwards chunks unless blocked, with backpressure. */
class Relay {
  private held: Buffer[] = [];
  private blocked = false;
  private awaitingDrain = false;
  private ended = false;

  constructor(private readonly source: Socket, private readonly sink: Socket) {
    source.on('data', (chunk: Buffer) => this.onData(chunk));
    source.on('end', () => {
      this.ended = true;
      if (!this.blocked) sink.end();
    });
    sink.on('drain', () => {
      this.awaitingDrain = false;
      this.resumeIfFree();
    });
  }

  setBlocked(blocked: boolean): void {
    this.blocked = blocked;
    if (blocked) {
      this.source.pause();
      return;
    }
    const held = this.held;
    this.held = [];
    for (const chunk of held) this.forward(chunk);
    if (this.ended) this.sink.end();
    this.resumeIfFree();
  }

  private onData(chunk: Buffer): void {
    if (this.blocked) {
      this.held.push(chunk);
      this.source.pause();
    } else {
      this.forward(chunk);
    }
  }

  private forward(chunk: Buffer): void {
    if (!this.sink.write(chunk)) {
      this.awaitingDrain = true;
      this.source.pause();
    }
  }

  private resumeIfFree(): void {
    if (!this.blocked && !this.awaitingDrain && !this.ended) this.source.resume();
  }
}

/** Listens on an ephemeral loopback port and forwards each connection to `target`. */
export class LinkProxy {
  private server: Server | undefined;
  private block: LinkBlock = { forward: false, backward: false };
  private readonly connections = new Set<{ client: Socket; upstream?: Socket; forward?: Relay; backward?: Relay }>();
  private readonly waiting = new Set<() => void>();
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

  async stop(): Promise<void> {
    for (const conn of this.connections) {
      conn.client.destroy();
      conn.upstream?.destroy();
    }
    this.connections.clear();
    this.waiting.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    const conn: { client: Socket; upstream?: Socket; forward?: Relay; backward?: Relay } = { client };
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
      conn.forward = new Relay(client, upstream);
      conn.backward = new Relay(upstream, client);
      conn.forward.setBlocked(this.block.forward);
      conn.backward.setBlocked(this.block.backward);
    };
    if (isCut(this.block)) this.waiting.add(open);
    else open();
  }
}

/** Both directions blocked: nothing, not even a handshake, gets through. */
function isCut(block: LinkBlock): boolean {
  return block.forward && block.backward;
}
