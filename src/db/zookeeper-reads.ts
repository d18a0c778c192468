// How a ZooKeeper register read is made under the `reads` knob (zookeeper.ts explains the modes and
// cites the manual): checked, sync or local; and sync(path) itself, which node-zookeeper-client
// lacks (1.1.3 knows the opcode, 9, but has no method and no reply type for it).
//
// sync is built from the library's own wire records and queued on the session's connection like any
// other request. SyncRequest and SyncResponse each hold one field, the path (ZooKeeper's
// zookeeper.jute), the same single field as the library's GetACLRequest and CreateResponse. So the
// request is written as a GetACLRequest payload under a SYNC header, and its header says CREATE
// while the reply is read: the library reads the SyncResponse as a CreateResponse instead of
// dropping the connection over a reply type it does not know.
import { createRequire } from 'node:module';
import type zookeeper from 'node-zookeeper-client';
import { OpFailure } from './db.js';

/** How a register read is made: checked through the leader's order, after a sync, or from the local replica. */
export type ZooKeeperReads = 'checked' | 'sync' | 'local';

/** ZooKeeper's opcodes for sync and create (ZooDefs.OpCode). */
export const OP_SYNC = 9;
const OP_CREATE = 1;

/** The parts of the library's jute module (lib/jute) used here. */
interface JuteRecord {
  type?: number;
  path?: string;
}
interface JuteRequest {
  header: JuteRecord;
  toBuffer(): Buffer;
}
interface Jute {
  protocol: { RequestHeader: new () => JuteRecord; GetACLRequest: new () => JuteRecord };
  Request: new (header: JuteRecord, payload: JuteRecord) => JuteRequest;
}

/** The library's jute module, loaded on first use (heavy modules load on use: docs/DESIGN.md). */
let loadedJute: Jute | undefined;
function jute(): Jute {
  loadedJute ??= createRequire(import.meta.url)('node-zookeeper-client/lib/jute/index.js') as Jute;
  return loadedJute;
}

/** A sync request for `path`: serialized as SYNC, its reply parsed as a one-field path record. */
export function syncRequest(path: string): JuteRequest {
  const { protocol, Request } = jute();
  const header = new protocol.RequestHeader();
  header.type = OP_CREATE;
  const payload = new protocol.GetACLRequest();
  payload.path = path;
  const request = new Request(header, payload);
  const toBuffer = request.toBuffer.bind(request);
  request.toBuffer = () => {
    header.type = OP_SYNC;
    try {
      return toBuffer();
    } finally {
      header.type = OP_CREATE;
    }
  };
  return request;
}

/**
 * Sends sync(path) on the client's session. It completes once the server this session talks to has
 * caught up with the leader as of when the leader saw the sync; reads sent after it on the same
 * session are answered after it (ZooKeeper answers a session's requests in order).
 */
export function sync(client: zookeeper.Client, path: string, done: (err: Error | zookeeper.Exception | null | undefined) => void): void {
  type Manager = { queue(request: JuteRequest, callback: (err: Error | zookeeper.Exception | null | undefined) => void): void };
  const manager = (client as unknown as { connectionManager: Manager }).connectionManager;
  manager.queue(syncRequest(path), (err) => done(err));
}

/** The requests a register read is made of, on one session. */
export interface ZnodeReads {
  /** The znode's data and version; an OpFailure naming NO_NODE when it does not exist. */
  getData(path: string): Promise<[Buffer | undefined, { version: number }]>;
  /** A multi holding only check(path, version); an OpFailure naming BAD_VERSION when the version moved. */
  check(path: string, version: number): Promise<void>;
  sync(path: string): Promise<void>;
}

/** Reads a register's value as `reads` says (the modes are explained in zookeeper.ts's opening comment). */
export async function readZnode(requests: ZnodeReads, path: string, reads: ZooKeeperReads, node: string): Promise<unknown> {
  if (reads === 'sync') await requests.sync(path);
  if (reads !== 'checked') {
    try {
      return parse((await requests.getData(path))[0]);
    } catch (err) {
      // Never created: a register nobody wrote holds null (a checked read creates it first instead).
      if (err instanceof OpFailure && err.message.includes('NO_NODE')) return null;
      throw err;
    }
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const [data, stat] = await requests.getData(path);
    try {
      await requests.check(path, stat.version);
      return parse(data);
    } catch (err) {
      if (!(err instanceof OpFailure && err.message.includes('BAD_VERSION'))) throw err;
    }
  }
  throw new OpFailure(`read of ${path} via ${node}: the register changed under three reads in a row`, true);
}

/** A register's value from its znode's data: empty means null. */
export function parse(data: Buffer | undefined): unknown {
  return data === undefined || data.length === 0 ? null : (JSON.parse(data.toString('utf8')) as unknown);
}
