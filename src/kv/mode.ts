// What a replication mode of the bundled store provides: a way to serve client ops on this node.
import type { Logger } from 'pino';
import type { PeerTransport } from './peer-transport.js';
import type { KvOp, KvReply, KvStatus } from './protocol.js';
import type { ServerOptions } from './server-options.js';

/** A running mode on one node. It receives peer messages through the transport it was given. */
export interface KvMode {
  /** Serves one client op; never rejects (failures are replies with `definite` set honestly). */
  handle(op: KvOp): Promise<KvReply>;
  status(): KvStatus;
  /** Stops timers and closes files; pending ops are answered with shutting-down. */
  stop(): Promise<void>;
}

/** Everything a mode needs from the server. */
export interface ModeContext {
  options: ServerOptions;
  log: Logger;
  transport: PeerTransport;
}

export type StartMode = (ctx: ModeContext) => Promise<KvMode>;
