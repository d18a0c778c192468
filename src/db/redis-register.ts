// A Redis register over one link to the current primary: GET, SET and a compare-and-set script,
// each write followed by WAIT in the same pipeline when the `wait` knob asks for replicas (redis.ts
// explains the knobs). How each reply or error becomes an op's outcome lives here, apart from the
// connection, so that it is tested without a server.
import { OpFailure, type RegisterConnection } from './db.js';

/** A Redis command as sent: its name, then its arguments. */
export type RedisCommand = readonly [string, ...(string | number)[]];

/** A command's reply, or the error it failed with. */
export type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

/** One connection to whichever node is the primary now. */
export interface RedisLink {
  /** Sends one command; rejects with the client's error. */
  send(command: RedisCommand): Promise<unknown>;
  /** Sends commands back to back on one connection; each settles on its own, in order. */
  pipeline(commands: readonly RedisCommand[]): Promise<Settled[]>;
}

/** WAIT's arguments: replicas to wait for (0: no WAIT) and its timeout. */
export interface WaitFor {
  replicas: number;
  timeoutMs: number;
}

/** Sets KEYS[1] to ARGV[2] if it holds ARGV[1]; 1 when it did, 0 when nothing changed. */
export const CAS_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0";

/** The register's ops over a link; the caller closes the link. */
export function redisRegister(link: RedisLink, node: string, wait: WaitFor): Omit<RegisterConnection, 'close'> {
  const key = (k: string) => `r/${k}`;
  const send = async (command: RedisCommand): Promise<unknown> => {
    try {
      return await link.send(command);
    } catch (err) {
      throw toOpFailure(err, node);
    }
  };

  /** Runs a write, with WAIT behind it if asked; the write's reply, and WAIT's outcome if sent. */
  async function write(command: RedisCommand): Promise<{ reply: unknown; waited?: Settled }> {
    if (wait.replicas === 0) return { reply: await send(command) };
    const [written, waited] = await link.pipeline([command, ['WAIT', wait.replicas, wait.timeoutMs]]);
    if (!written?.ok) throw toOpFailure(written?.error ?? 'no reply', node);
    return { reply: written.value, ...(waited && { waited }) };
  }

  /**
   * A write the primary applied, confirmed on fewer replicas than asked (or whose WAIT failed), may
   * or may not survive a failover: unknown, whatever WAIT's failure was.
   */
  function assertReplicated(waited: Settled | undefined, what: string): void {
    if (wait.replicas === 0) return;
    const asked = `WAIT ${wait.replicas} ${wait.timeoutMs}`;
    if (!waited) throw new OpFailure(`redis via ${node}: ${what} was applied on the primary, but ${asked} got no reply; it may or may not survive a failover`, false);
    if (!waited.ok) throw new OpFailure(`redis via ${node}: ${what} was applied on the primary, but ${asked} failed (${messageOf(waited.error)}); it may or may not survive a failover`, false);
    if (typeof waited.value !== 'number' || waited.value < wait.replicas) {
      throw new OpFailure(`redis via ${node}: ${what} was applied on the primary, but ${asked} saw ${String(waited.value)} replica(s) acknowledge it; it may or may not survive a failover`, false);
    }
  }

  return {
    async read(k) {
      const value = await send(['GET', key(k)]);
      return value === null || value === undefined ? null : (JSON.parse(String(value)) as unknown);
    },
    async write(k, value) {
      const { waited } = await write(['SET', key(k), JSON.stringify(value)]);
      assertReplicated(waited, `SET ${key(k)}`);
    },
    async cas(k, from, to) {
      const { reply, waited } = await write(['EVAL', CAS_SCRIPT, 1, key(k), JSON.stringify(from), JSON.stringify(to)]);
      if (reply !== 1) return false; // nothing written: nothing to wait for
      assertReplicated(waited, `cas on ${key(k)}`);
      return true;
    },
  };
}

/**
 * An error reply means Redis refused the command as a whole (READONLY on a replica, NOREPLICAS,
 * MASTERDOWN, LOADING): definite. A command that was never written (no connection) is definite
 * too. A timeout or a connection lost with the command in flight may have been applied.
 */
export function toOpFailure(err: unknown, node: string): OpFailure {
  if (err instanceof OpFailure) return err;
  const message = messageOf(err);
  if (isReplyError(err)) return new OpFailure(`redis via ${node}: ${message}`, true);
  const neverSent = /Stream isn't writeable/.test(message);
  return new OpFailure(`redis via ${node}: ${message}`, neverSent);
}

/**
 * `err instanceof ioredis's ReplyError`, without loading ioredis (it loads on use, when a client
 * connects): an error whose class or a class it extends is named ReplyError.
 */
function isReplyError(err: unknown): boolean {
  for (let proto = typeof err === 'object' && err !== null ? Object.getPrototypeOf(err) : null; proto !== null; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === 'ReplyError') return true;
  }
  return false;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
