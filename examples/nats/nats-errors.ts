// What a failed NATS request means for the history: `fail` when it certainly did not take effect,
// `info` when it may have. faultline's OpFailure carries that as `definite`.
import { OpFailure } from 'faultline';

/** JetStream's answer to a publish whose expected last subject sequence (revision) is not the key's last one. */
export const WRONG_LAST_SEQUENCE = 10071;

/** JetStream API errors the stream leader answers before it proposes the message: nothing was stored. */
const DEFINITE_API_ERRORS = new Set([WRONG_LAST_SEQUENCE]);

/** The shape of the nats client's errors that matters here. */
interface NatsLikeError {
  code?: string;
  message?: string;
  api_error?: { err_code?: number; description?: string };
}

/** The JetStream API error code of a failed request, if the server gave one. */
export function apiErrorCode(err: unknown): number | undefined {
  return (err as NatsLikeError | undefined)?.api_error?.err_code;
}

/**
 * Makes an OpFailure of a nats client error. A read changes nothing, so a failed read is definite.
 * A write is definite when it never left (`never-sent`: the connection was refused), when no server
 * had interest in its subject (503 no responders: nothing stored it), or on an API error answered
 * before proposing. A timeout, a closed connection or anything else may have been stored.
 */
export function natsFailure(what: string, err: unknown, kind: 'read' | 'write' | 'never-sent'): OpFailure {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as NatsLikeError;
  const api = e.api_error;
  // The nats client's message is often just its code (TIMEOUT, 503): say it once.
  // 503 is both the client's "no responders" and the code JetStream API errors such as 10008 carry.
  const noResponders = e.code === '503' && api === undefined;
  const plain = noResponders ? 'no responders (503)'
    : e.code === undefined || e.message === undefined || e.message === e.code ? e.message ?? e.code : `${e.code} ${e.message}`;
  const detail = api ? `${api.description ?? e.message} (err_code ${api.err_code})` : plain;
  const definite = kind !== 'write'
    || noResponders
    || e.code === 'CONNECTION_REFUSED'
    || (api?.err_code !== undefined && DEFINITE_API_ERRORS.has(api.err_code));
  return new OpFailure(`${what}: ${detail || 'unknown error'}`, definite);
}
