// The bundled store's client protocol: newline-delimited JSON requests and responses (README.md).

/** Any JSON value; keys and values of the store are JSON. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A request id, echoed in the response; the client library uses increasing integers. */
export type KvRequestId = number | string;

/** An operation without its id. */
export type KvOp =
  | { op: 'read'; key: string }
  | { op: 'write'; key: string; value: Json }
  | { op: 'cas'; key: string; from: Json; to: Json }
  | { op: 'status' };

export type KvRequest = KvOp & { id: KvRequestId };

/**
 * Why an op failed. With `definite: true` it certainly did not take effect: not-leader, no-leader,
 * cas-mismatch (evaluated in log order on committed state), dropped (its log entry was replaced),
 * unreachable (never sent to the leader), bad-request; every failed read. `definite: false` means
 * it may have: timeout, unknown-outcome.
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
  | 'shutting-down';

/** A node's view of the cluster, as `status` returns it. */
export interface KvStatus {
  node: string;
  mode: string;
  role: string;
  term: number;
  leader: string | null;
  commitIndex: number;
  appliedIndex: number;
}

export interface KvOkResponse {
  id: KvRequestId;
  ok: true;
  /** Reads: the value, null when absent. Writes and cas: absent. */
  value?: Json;
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
  const needKey = (): string | null => (typeof r.key === 'string' ? null : `request ${id} (op ${String(r.op)}) needs a string "key"`);
  switch (r.op) {
    case 'status':
      return { request: { id, op: 'status' } };
    case 'read': {
      const bad = needKey();
      return bad ? { id, problem: bad } : { request: { id, op: 'read', key: r.key as string } };
    }
    case 'write': {
      const bad = needKey() ?? (r.value === undefined ? `request ${id} (op write) needs a "value"` : null);
      return bad ? { id, problem: bad } : { request: { id, op: 'write', key: r.key as string, value: r.value as Json } };
    }
    case 'cas': {
      const bad = needKey() ?? (r.from === undefined || r.to === undefined ? `request ${id} (op cas) needs "from" and "to"` : null);
      return bad ? { id, problem: bad } : { request: { id, op: 'cas', key: r.key as string, from: r.from as Json, to: r.to as Json } };
    }
    default:
      return { id, problem: `request ${id} has op ${JSON.stringify(r.op)}; expected read | write | cas | status` };
  }
}

function quote(line: string): string {
  return JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}...` : line);
}
