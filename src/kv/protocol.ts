// The bundled store's client protocol: newline-delimited JSON requests and responses (README.md).
import { isReadOnlyTxn, parseTxn, type TxnCompare, type TxnMicroOp, type TxnResult } from './txn.js';
import { isVersion, type KvVersion } from './version.js';

export type { TxnCompare, TxnMicroOp, TxnResult } from './txn.js';
export type { KvVersion } from './version.js';

/** Any JSON value; keys and values of the store are JSON. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A request id, echoed in the response; the client library uses increasing integers. */
export type KvRequestId = number | string;

/** The counter types: a G-counter only grows; a PN-counter takes negative deltas too. */
export type CounterType = 'g-counter' | 'pn-counter';

/** An operation without its id. Which ops a mode serves is in mode-ops.ts. */
export type KvOp =
  /** `after`: serve a state at least this new (version.ts), waiting briefly, or answer `stale`. */
  | { op: 'read'; key: string; after?: KvVersion }
  /** `context` (quorum-vc): the token of the read this write supersedes; absent makes a sibling. */
  | { op: 'write'; key: string; value: Json; context?: string }
  | { op: 'cas'; key: string; from: Json; to: Json }
  | { op: 'set-add'; key: string; element: Json }
  | { op: 'set-remove'; key: string; element: Json }
  | { op: 'counter-add'; key: string; delta: number; type?: CounterType }
  /** Micro-ops applied atomically, in order, if every compare in `if` holds (txn.ts). */
  | { op: 'txn'; ops: TxnMicroOp[]; if?: TxnCompare[] }
  /** raft: add a node to the voting members or remove one, one at a time (README "Membership"). */
  | { op: 'member'; action: 'add' | 'remove'; node: string }
  | { op: 'status' };

/** The op names, as `op` takes them. */
export type KvOpName = KvOp['op'];

/** `version: true` asks for the version of the state the op saw or made in the reply. */
export type KvRequest = KvOp & { id: KvRequestId; version?: true };

/**
 * Why an op failed. With `definite: true` it certainly did not take effect: not-leader, no-leader,
 * cas-mismatch (evaluated in log order on committed state), dropped (its log entry was replaced),
 * unreachable (never sent to the leader), no-quorum (too few replicas reachable: nothing was sent),
 * unsupported (the mode has no such op), wrong-type (the key holds another kind of value),
 * txn-aborted (a txn's compare was false when it was applied, in log order), bad-request; every failed read. `definite: false` means it may have: timeout, unknown-outcome.
 */
export type KvErrorCode =
  | 'not-leader'
  | 'no-leader'
  | 'cas-mismatch'
  | 'dropped'
  | 'unreachable'
  | 'timeout'
  | 'unknown-outcome'
  | 'bad-request'
  | 'shutting-down'
  | 'no-quorum'
  | 'unsupported'
  | 'wrong-type'
  | 'txn-aborted'
  | 'stale'
  | 'member-refused';

/**
 * A node's view of the cluster, as `status` returns it. Leaderless modes (quorum, quorum-vc, crdt)
 * report role "replica", term 0 and leader null; primary reports its epoch as the term.
 */
export interface KvStatus {
  node: string;
  mode: string;
  role: string;
  term: number;
  leader: string | null;
  commitIndex: number;
  appliedIndex: number;
  /** The peers this node has a connection to (added by the server to every mode's status). */
  connected?: string[];
  /** raft: the voting members as of this node's commit index. */
  members?: string[];
  /** raft: the voters of a configuration entry this node appended but has not seen committed (else null). */
  membersPending?: string[] | null;
}

export interface KvOkResponse {
  id: KvRequestId;
  ok: true;
  /** Reads: the value, null when absent (quorum-vc: absent when there are several siblings). */
  value?: Json;
  /** quorum-vc reads: every concurrent value (siblings), for the client to resolve. */
  siblings?: Json[];
  /** quorum-vc reads: the causal context to send with a write that supersedes these siblings. */
  context?: string;
  /** txn: one result per micro-op, reads filled in. */
  results?: TxnResult[];
  /** With `version: true` in the request (modes with versions): how new the state the op saw or made is. */
  version?: KvVersion;
}

export interface KvStatusResponse extends KvStatus {
  id: KvRequestId;
  ok: true;
}

export interface KvErrorResponse {
  id: KvRequestId | null;
  ok: false;
  error: KvErrorCode;
  definite: boolean;
  message?: string;
  /** With not-leader: the leader this node believes in, when it knows one. */
  leader?: string | null;
}

export type KvResponse = KvOkResponse | KvStatusResponse | KvErrorResponse;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A response before the server stamps the request id on it. */
export type KvReply = DistributiveOmit<KvResponse, 'id'>;

/** Builds a failure reply. */
export function failure(error: KvErrorCode, definite: boolean, message?: string): KvReply {
  return message === undefined ? { ok: false, error, definite } : { ok: false, error, definite, message };
}

/** Parses one request line; on failure returns the id (if any could be read) and what was wrong. */
export function parseRequest(line: string): { request: KvRequest } | { id: KvRequestId | null; problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { id: null, problem: `request ${quote(line)} is not JSON` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { id: null, problem: `request ${quote(line)} is not a JSON object` };
  }
  const r = raw as Record<string, unknown>;
  const id = typeof r.id === 'number' || typeof r.id === 'string' ? r.id : null;
  if (id === null) return { id, problem: `request ${quote(line)} has no "id" (a number or string)` };
  if (r.version !== undefined && r.version !== true) return { id, problem: `request ${id} has version ${quote(JSON.stringify(r.version))}; expected true or no "version"` };
  const parsed = parseOp(id, r);
  return 'request' in parsed && r.version === true ? { request: { ...parsed.request, version: true } } : parsed;
}

/** The op of a request whose id is known. */
function parseOp(id: KvRequestId, r: Record<string, unknown>): { request: KvRequest } | { id: KvRequestId | null; problem: string } {
  const needKey = (): string | null => (typeof r.key === 'string' ? null : `request ${id} (op ${String(r.op)}) needs a string "key"`);
  switch (r.op) {
    case 'status':
      return { request: { id, op: 'status' } };
    case 'read': {
      const bad = needKey() ?? (r.after !== undefined && !isVersion(r.after) ? `request ${id} (op read) has after ${quote(JSON.stringify(r.after))}; expected a version a reply returned (an array of numbers and strings)` : null);
      if (bad) return { id, problem: bad };
      const read: KvRequest = { id, op: 'read', key: r.key as string };
      if (isVersion(r.after)) read.after = r.after;
      return { request: read };
    }
    case 'write': {
      const bad = needKey() ?? (r.value === undefined ? `request ${id} (op write) needs a "value"` : null)
        ?? (r.context !== undefined && typeof r.context !== 'string' ? `request ${id} (op write) has context ${quote(JSON.stringify(r.context))}; expected the string a read returned` : null);
      if (bad) return { id, problem: bad };
      const write: KvRequest = { id, op: 'write', key: r.key as string, value: r.value as Json };
      if (typeof r.context === 'string') write.context = r.context;
      return { request: write };
    }
    case 'set-add':
    case 'set-remove': {
      const bad = needKey() ?? (r.element === undefined ? `request ${id} (op ${r.op}) needs an "element"` : null);
      return bad ? { id, problem: bad } : { request: { id, op: r.op, key: r.key as string, element: r.element as Json } };
    }
    case 'counter-add': {
      const bad = needKey()
        ?? (typeof r.delta !== 'number' || !Number.isSafeInteger(r.delta) ? `request ${id} (op counter-add) has delta ${quote(JSON.stringify(r.delta) ?? 'undefined')}; expected an integer` : null)
        ?? (r.type !== undefined && r.type !== 'g-counter' && r.type !== 'pn-counter' ? `request ${id} (op counter-add) has type ${quote(JSON.stringify(r.type))}; expected g-counter | pn-counter` : null)
        ?? (r.type === 'g-counter' && (r.delta as number) < 0 ? `request ${id} (op counter-add) adds ${String(r.delta)} to a g-counter; expected a delta >= 0` : null);
      if (bad) return { id, problem: bad };
      const add: KvRequest = { id, op: 'counter-add', key: r.key as string, delta: r.delta as number };
      if (r.type !== undefined) add.type = r.type as CounterType;
      return { request: add };
    }
    case 'cas': {
      const bad = needKey() ?? (r.from === undefined || r.to === undefined ? `request ${id} (op cas) needs "from" and "to"` : null);
      return bad ? { id, problem: bad } : { request: { id, op: 'cas', key: r.key as string, from: r.from as Json, to: r.to as Json } };
    }
    case 'txn':
      return parseTxn(id, r);
    case 'member': {
      if (r.action !== 'add' && r.action !== 'remove') return { id, problem: `request ${id} (op member) has action ${JSON.stringify(r.action) ?? 'undefined'}; expected add | remove` };
      if (typeof r.node !== 'string' || r.node === '') return { id, problem: `request ${id} (op member) has node ${JSON.stringify(r.node) ?? 'undefined'}; expected a node id` };
      return { request: { id, op: 'member', action: r.action, node: r.node } };
    }
    default:
      return { id, problem: `request ${id} has op ${JSON.stringify(r.op)}; expected read | write | cas | set-add | set-remove | counter-add | txn | member | status` };
  }
}

/** True for ops that change nothing (status, reads, txns of reads only): a failed one is a definite failure. */
export function isReadOnly(op: KvOp): boolean {
  return op.op === 'read' || op.op === 'status' || (op.op === 'txn' && isReadOnlyTxn(op.ops));
}

function quote(line: string): string {
  return JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}...` : line);
}
