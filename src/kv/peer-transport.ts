// Node-to-node messaging over TCP that never blocks the node: each peer has one outbound connection
// (this node only sends on it; answers come back on the peer's own outbound connection, since each
// directed link may go through its own proxy). Sends are dropped when a bounded buffer is full, a
// connection whose buffer stops draining is replaced, and connects are retried with backoff.
// After the hello line, every line is "<crc32 hex> <json>": a proxy that drops bytes mid-stream
// could splice two half lines into valid JSON, and the checksum turns that into a dropped connection.
import { connect, type Socket } from 'node:net';
import { crc32 } from 'node:zlib';
import type { Logger } from 'pino';
import { toLine } from './ndjson.js';

/** How this node reaches one peer. */
export interface PeerAddress {
  id: string;
  host: string;
  port: number;
}

/** Limits of the transport; the defaults suit a LAN or loopback cluster. */
export interface TransportLimits {
  /** Bytes a connection may have buffered (unsent) before further sends to it are dropped. */
  maxBufferedBytes: number;
  /** Bytes kept while (re)connecting; small, since Raft retransmits and old messages are stale. */
  maxPendingBytes: number;
  /** A connection with unsent bytes that has not drained for this long is replaced. */
  stallMs: number;
  connectTimeoutMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  /** Longest accepted line (snapshots travel as one line). */
  maxLineBytes: number;
}

export const defaultTransportLimits: TransportLimits = {
  maxBufferedBytes: 4 << 20,
  maxPendingBytes: 256 << 10,
  stallMs: 2000,
  connectTimeoutMs: 1000,
  backoffMinMs: 50,
  backoffMaxMs: 1000,
  maxLineBytes: 256 << 20,
};

/** The first line a node sends on a connection to a peer; clients send requests straight away. */
export interface PeerHello {
  peer: string;
  to: string;
}

/** True when a connection's first line says it comes from a peer. */
export function isPeerHello(message: unknown): message is PeerHello {
  return typeof message === 'object' && message !== null && typeof (message as PeerHello).peer === 'string';
}

/** Counters for logs and tests. */
export interface TransportStats {
  sent: number;
  dropped: number;
  reconnects: number;
}

export class PeerTransport {
  readonly stats: TransportStats = { sent: 0, dropped: 0, reconnects: 0 };
  private readonly links = new Map<string, PeerLink>();
  private readonly inbound = new Map<string, Socket>();
  private onMessage: (from: string, message: unknown) => void = () => {};
  private stopped = false;

  constructor(
    readonly selfId: string,
    peers: PeerAddress[],
    private readonly log: Logger,
    private readonly limits: TransportLimits = defaultTransportLimits,
  ) {
    for (const peer of peers) this.links.set(peer.id, new PeerLink(this, peer, log, limits));
  }

  /** Sets the handler for messages from peers. */
  listen(handler: (from: string, message: unknown) => void): void {
    this.onMessage = handler;
  }

  start(): void {
    for (const link of this.links.values()) link.connect();
  }

  /**
   * Queues a message for a peer; false when it was dropped (unknown peer, buffer full, stopped, or
   * not connected with `connectedOnly`). A dropped message is certainly never delivered.
   */
  send(to: string, message: unknown, opts: { connectedOnly?: boolean } = {}): boolean {
    const link = this.links.get(to);
    if (!link || this.stopped) return false;
    const sent = link.send(checkedLine(message), opts.connectedOnly ?? false);
    if (sent) this.stats.sent++;
    else this.stats.dropped++;
    return sent;
  }

  /** True while this node's outbound connection to `peer` is up (the peer may still be unreachable behind it). */
  isConnected(peer: string): boolean {
    return this.links.get(peer)?.isConnected() ?? false;
  }

  /** The ids of every peer. */
  get peerIds(): string[] {
    return [...this.links.keys()];
  }

  /** Takes over a connection whose first line was a PeerHello; returns the handler for its further lines. */
  acceptInbound(socket: Socket, hello: PeerHello): (line: string) => void {
    if (hello.to !== this.selfId || !this.links.has(hello.peer)) {
      this.log.warn({ hello, self: this.selfId }, 'peer connection for another node or from an unknown peer; closing it');
      socket.destroy();
      return () => {};
    }
    // A peer reconnected: its older connection may hang forever behind a partition, so drop it.
    this.inbound.get(hello.peer)?.destroy();
    this.inbound.set(hello.peer, socket);
    socket.on('close', () => {
      if (this.inbound.get(hello.peer) === socket) this.inbound.delete(hello.peer);
    });
    const from = hello.peer;
    return (line) => {
      const message = parseCheckedLine(line);
      if (message === undefined) {
        this.log.warn({ from, line: line.slice(0, 200) }, 'peer line failed its checksum or is not JSON; closing the connection');
        socket.destroy();
        return;
      }
      this.onMessage(from, message);
    };
  }

  stop(): void {
    this.stopped = true;
    for (const link of this.links.values()) link.stop();
    for (const socket of this.inbound.values()) socket.destroy();
  }

  /** @internal */
  noteReconnect(): void {
    this.stats.reconnects++;
  }
}

/** Frames a peer message as "<crc32 hex> <json>\n". */
export function checkedLine(message: unknown): string {
  const json = JSON.stringify(message);
  return `${crc32(json).toString(16)} ${json}\n`;
}

/** The message of a checked line, or undefined when the line is damaged. */
export function parseCheckedLine(line: string): unknown {
  const space = line.indexOf(' ');
  if (space < 1 || space > 8) return undefined;
  const json = line.slice(space + 1);
  if (crc32(json).toString(16) !== line.slice(0, space)) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

/** The outbound connection to one peer. */
class PeerLink {
  private socket: Socket | null = null;
  private connected = false;
  private backoffMs: number;
  private retryTimer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private lastDrainedAt = 0;
  private stopped = false;
  /** Lines waiting for the connection to come up (bounded like the socket buffer). */
  private pending: string[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly transport: PeerTransport,
    private readonly peer: PeerAddress,
    private readonly log: Logger,
    private readonly limits: TransportLimits,
  ) {
    this.backoffMs = limits.backoffMinMs;
  }

  connect(): void {
    if (this.stopped) return;
    const socket = connect({ host: this.peer.host, port: this.peer.port, noDelay: true });
    this.socket = socket;
    this.connected = false;
    const connectTimer = setTimeout(() => socket.destroy(new Error(`connect timed out after ${this.limits.connectTimeoutMs} ms`)), this.limits.connectTimeoutMs);
    socket.on('connect', () => {
      clearTimeout(connectTimer);
      this.connected = true;
      this.backoffMs = this.limits.backoffMinMs;
      this.lastDrainedAt = Date.now();
      socket.write(toLine({ peer: this.transport.selfId, to: this.peer.id } satisfies PeerHello));
      for (const line of this.pending) socket.write(line);
      this.pending = [];
      this.pendingBytes = 0;
      this.log.debug({ peer: this.peer.id }, 'peer connected');
    });
    socket.on('drain', () => {
      this.lastDrainedAt = Date.now();
    });
    // We never expect data on an outbound connection; reading keeps the socket from stalling.
    socket.on('data', () => {});
    socket.on('error', (err) => {
      this.log.debug({ peer: this.peer.id, err: err.message }, 'peer connection error');
    });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      if (this.socket !== socket) return;
      this.socket = null;
      this.connected = false;
      this.scheduleReconnect();
    });
    if (!this.stallTimer) {
      this.stallTimer = setInterval(() => this.checkStall(), Math.max(50, this.limits.stallMs / 4));
      this.stallTimer.unref();
    }
  }

  isConnected(): boolean {
    return this.connected && this.socket !== null;
  }

  send(line: string, connectedOnly: boolean): boolean {
    const socket = this.socket;
    if (socket && this.connected) {
      if (socket.writableLength > this.limits.maxBufferedBytes) return false;
      if (socket.writableLength === 0) this.lastDrainedAt = Date.now();
      socket.write(line);
      return true;
    }
    if (connectedOnly || this.pendingBytes + line.length > this.limits.maxPendingBytes) return false;
    this.pending.push(line);
    this.pendingBytes += line.length;
    return true;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.stallTimer);
    this.socket?.destroy();
    this.socket = null;
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delayMs = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.limits.backoffMaxMs);
    this.transport.noteReconnect();
    this.retryTimer = setTimeout(() => this.connect(), delayMs);
    this.retryTimer.unref();
  }

  /** A connection whose buffer has not drained for stallMs goes to a hung peer or link: replace it. */
  private checkStall(): void {
    const socket = this.socket;
    if (!socket || !this.connected) return;
    if (socket.writableLength === 0) {
      this.lastDrainedAt = Date.now();
      return;
    }
    if (Date.now() - this.lastDrainedAt > this.limits.stallMs) {
      this.log.debug({ peer: this.peer.id, bufferedBytes: socket.writableLength }, 'peer connection stalled; reconnecting');
      socket.destroy();
    }
  }
}
