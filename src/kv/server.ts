// The bundled store's TCP server: one port for clients and peers. A connection whose first line is
// a PeerHello belongs to the peer transport; any other connection speaks the client protocol.
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { KvMode } from './mode.js';
import { MODE_OPS, modeServes, type ModeName } from './mode-ops.js';
import { modes } from './modes.js';
import { LineSplitter, toLine } from './ndjson.js';
import { defaultTransportLimits, isPeerHello, PeerTransport } from './peer-transport.js';
import { failure, parseRequest, type KvReply, type KvRequestId } from './protocol.js';
import type { ServerOptions } from './server-options.js';
import { VERSION_SCOPE } from './version.js';

/** A client that stops reading is cut off once this much of our output is waiting for it. */
const MAX_CLIENT_BUFFERED_BYTES = 64 << 20;

/** A running node. */
export interface KvServer {
  mode: KvMode;
  transport: PeerTransport;
  /** Stops accepting, stops the mode (closing its files) and drops every connection. */
  stop(): Promise<void>;
}

/** Opens the data directory, starts the mode, listens, and starts talking to peers. */
export async function startKvServer(options: ServerOptions, log: Logger): Promise<KvServer> {
  const transport = new PeerTransport(options.id, options.peers, log);
  const mode = await modes[options.mode]({ options, log, transport });
  const clients = new Set<Socket>();
  // Half-open: a client may send its requests and shut down its side; we answer, then close.
  const server = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => acceptConnection(socket, options.mode, mode, transport, clients, log));
  try {
    await listen(server, options.listen.host, options.listen.port);
  } catch (err) {
    await mode.stop();
    throw new Error(`cannot listen on ${options.listen.host}:${options.listen.port}: ${(err as Error).message}`);
  }
  transport.start();
  log.info(
    {
      listen: `${options.listen.host}:${options.listen.port}`,
      peers: options.peers.map((p) => `${p.id}=${p.host}:${p.port}`),
      mode: options.mode,
      readMode: options.readMode,
      fsync: options.fsync,
      electionTimeoutMs: options.electionTimeoutMs,
      heartbeatMs: options.heartbeatMs,
      clockOffsetMs: options.clockOffsetMs,
      seed: options.seed,
      snapshotEvery: options.snapshotEvery,
      ...(options.mode === 'quorum' || options.mode === 'quorum-vc' ? { replicas: options.replicas, r: options.r, w: options.w, vnodes: options.vnodes } : {}),
      ...(options.mode !== 'raft' && options.mode !== 'primary' ? { antiEntropy: options.antiEntropy, antiEntropyMs: options.antiEntropyMs } : {}),
      ...(options.mode === 'primary' ? { failoverTimeoutMs: options.failoverTimeoutMs } : {}),
      pid: process.pid,
    },
    'kv server started',
  );
  return {
    mode,
    transport,
    async stop() {
      server.close();
      transport.stop();
      for (const socket of clients) socket.destroy();
      await mode.stop();
      log.info('kv server stopped');
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function acceptConnection(socket: Socket, modeName: ModeName, mode: KvMode, transport: PeerTransport, clients: Set<Socket>, log: Logger): void {
  let handleLine: ((line: string) => void) | null = null;
  const splitter = new LineSplitter((line) => {
    if (handleLine) return handleLine(line);
    let first: unknown = null;
    try {
      first = JSON.parse(line);
    } catch {
      // Not JSON: the client handler answers bad-request.
    }
    if (isPeerHello(first)) {
      handleLine = transport.acceptInbound(socket, first);
      return;
    }
    clients.add(socket);
    socket.on('close', () => clients.delete(socket));
    handleLine = (l) => {
      inFlight++;
      void serveClientLine(socket, modeName, mode, transport, l).finally(() => {
        inFlight--;
        if (ended && inFlight === 0) socket.end();
      });
    };
    handleLine(line);
  }, defaultTransportLimits.maxLineBytes);
  let inFlight = 0;
  let ended = false;
  socket.on('end', () => {
    ended = true;
    if (inFlight === 0) socket.end();
  });
  socket.on('data', (chunk: Buffer) => {
    if (!splitter.push(chunk)) {
      log.warn({ remote: `${socket.remoteAddress}:${socket.remotePort}` }, 'connection sent an over-long line; closing it');
      socket.destroy();
    }
  });
  socket.on('error', (err) => log.debug({ err: err.message }, 'connection error'));
}

async function serveClientLine(socket: Socket, modeName: ModeName, mode: KvMode, transport: PeerTransport, line: string): Promise<void> {
  const parsed = parseRequest(line);
  if (!('request' in parsed)) {
    reply(socket, parsed.id, failure('bad-request', true, parsed.problem));
    return;
  }
  const { id, version, ...op } = parsed.request;
  if (!modeServes(modeName, op.op)) {
    reply(socket, id, failure('unsupported', true, `mode ${modeName} has no op ${JSON.stringify(op.op)}; it serves ${MODE_OPS[modeName].join(' | ')} | status`));
    return;
  }
  if (op.op === 'read' && op.after !== undefined && VERSION_SCOPE[modeName] === null) {
    reply(socket, id, failure('unsupported', true, `mode ${modeName} has no versions, so no read "after" one`));
    return;
  }
  const answer = await mode.handle(op);
  // Every mode's status also says which peers this node has a connection to (readiness, debugging).
  if (op.op === 'status' && answer.ok) reply(socket, id, { ...answer, connected: transport.peerIds.filter((p) => transport.isConnected(p)) });
  else reply(socket, id, version ? answer : withoutVersion(answer));
}

/** Modes put a version on their replies; only a client that asked (`version: true`) gets it. */
function withoutVersion(answer: KvReply): KvReply {
  if (!answer.ok || !('version' in answer)) return answer;
  const { version: _, ...rest } = answer;
  return rest;
}

function reply(socket: Socket, id: KvRequestId | null, r: KvReply): void {
  if (socket.destroyed) return;
  if (socket.writableLength > MAX_CLIENT_BUFFERED_BYTES) {
    socket.destroy();
    return;
  }
  socket.write(toLine({ id, ...r }));
}
