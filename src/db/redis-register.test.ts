// Redis's knobs without a server: the declared options, each node's redis.conf, the refusal of knobs
// a cluster cannot satisfy, and which commands a register sends and how each outcome is recorded,
// through a fake link that plays the primary's replies.
import fc from 'fast-check';
import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { assertSchema, resolveOptions } from '../define/options.js';
import { OpFailure } from './db.js';
import { CAS_SCRIPT, redisRegister, type RedisCommand, type RedisLink, type Settled } from './redis-register.js';
import { assertReachable, redisDb, redisOptions, redisServerConf } from './redis.js';

/** How the primary answers a write: applied, refused, never sent, or lost in flight. */
type WriteOutcome = 'applied' | 'NOREPLICAS' | 'not sent' | 'timed out';

const errorOf: Record<Exclude<WriteOutcome, 'applied'>, () => Error> = {
  NOREPLICAS: () => new ReplyError('NOREPLICAS Not enough good replicas to write.'),
  'not sent': () => new Error("Stream isn't writeable and enableOfflineQueue options is false"),
  'timed out': () => new Error('Command timed out'),
};

/** A link whose writes settle as `outcome`, whose script replies `casReply`, and whose WAIT reports `acked` replicas (or fails). */
function fakeLink(outcome: WriteOutcome, acked: number | Error, casReply = 1): { link: RedisLink; sent: RedisCommand[][] } {
  const sent: RedisCommand[][] = [];
  const reply = (command: RedisCommand): Settled => {
    if (command[0] === 'GET') return { ok: true, value: '"v"' };
    if (command[0] === 'WAIT') return acked instanceof Error ? { ok: false, error: acked } : { ok: true, value: acked };
    if (outcome !== 'applied') return { ok: false, error: errorOf[outcome]() };
    return { ok: true, value: command[0] === 'EVAL' ? casReply : 'OK' };
  };
  const link: RedisLink = {
    async send(command) {
      sent.push([command]);
      const settled = reply(command);
      if (!settled.ok) throw settled.error;
      return settled.value;
    },
    async pipeline(commands) {
      sent.push([...commands]);
      return commands.map(reply);
    },
  };
  return { link, sent };
}

/** How an op ended: ok, or an OpFailure's definiteness. */
async function outcomeOf(run: () => Promise<unknown>): Promise<'ok' | 'fail' | 'info'> {
  try {
    await run();
    return 'ok';
  } catch (err) {
    if (!(err instanceof OpFailure)) throw err;
    return err.definite ? 'fail' : 'info';
  }
}

describe('redis options', () => {
  it('declare the four knobs with the adapter\'s behaviour until now as defaults: no WAIT, min-replicas-to-write 1, max lag 10 s', () => {
    assertSchema(redisOptions, 'db redis');
    expect(Object.fromEntries(Object.entries(redisOptions).map(([key, def]) => [key, def.flag]))).toEqual({
      wait: 'redis-wait', waitTimeoutMs: 'redis-wait-timeout-ms', minReplicasToWrite: 'redis-min-replicas', minReplicasMaxLagS: 'redis-min-replicas-max-lag',
    });
    expect(resolveOptions(redisOptions, {}, { nodeCount: 3 }, 'db redis')).toEqual({ wait: 0, waitTimeoutMs: 1000, minReplicasToWrite: 1, minReplicasMaxLagS: 10 });
    expect(() => redisDb({ waitTimeoutMs: 0 })).toThrow('--redis-wait-timeout-ms "0" is not valid; expected a whole number from 1 to 600000');
  });

  it('by default write the redis.conf the adapter always wrote', () => {
    const defaults = resolveOptions(redisOptions, {}, { nodeCount: 3 }, 'db redis');
    expect(redisServerConf('10.0.0.3', '10.0.0.2', defaults).split('\n')).toEqual([
      'bind 10.0.0.3', 'port 6379', 'protected-mode no', 'daemonize no', 'logfile ""',
      'appendonly yes', 'appendfsync always', 'save ""',
      'min-replicas-to-write 1', 'min-replicas-max-lag 10',
      'replicaof 10.0.0.2 6379', '',
    ]);
  });

  it('put the min-replicas knobs into every node\'s redis.conf, once each', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 14 }), fc.integer({ min: 1, max: 3600 }), fc.boolean(), (minReplicasToWrite, minReplicasMaxLagS, primary) => {
      const lines = redisServerConf('h', primary ? undefined : 'p', { minReplicasToWrite, minReplicasMaxLagS }).split('\n');
      expect(lines.filter((l) => l.startsWith('min-replicas-'))).toEqual([`min-replicas-to-write ${minReplicasToWrite}`, `min-replicas-max-lag ${minReplicasMaxLagS}`]);
      expect(lines.some((l) => l.startsWith('replicaof'))).toBe(!primary);
    }));
  });

  it('refuse, before any node starts, knobs that the cluster has too few replicas for', () => {
    expect(() => assertReachable({ wait: 3, minReplicasToWrite: 1 }, 3)).toThrow('redis: --redis-wait 3 needs 3 replicas, but 3 nodes have 2: every write would be unknown; expected at most 2');
    expect(() => assertReachable({ wait: 0, minReplicasToWrite: 5 }, 5)).toThrow('redis: --redis-min-replicas 5 needs 5 replicas, but 5 nodes have 4: the primary would refuse every write (NOREPLICAS); expected at most 4');
    expect(() => assertReachable({ wait: 2, minReplicasToWrite: 2 }, 3)).not.toThrow();
    expect(() => assertReachable({ wait: 0, minReplicasToWrite: 1 }, 1)).not.toThrow(); // as before: one node, the default
  });
});

describe('a Redis register under the wait knob', () => {
  it('without WAIT sends each command alone, as before', async () => {
    const { link, sent } = fakeLink('applied', 0);
    const register = redisRegister(link, 'n1', { replicas: 0, timeoutMs: 500 });
    await register.write('k', 1);
    expect(await register.cas('k', 1, 2)).toBe(true);
    expect(await register.read('k')).toBe('v');
    expect(sent).toEqual([[['SET', 'r/k', '1']], [['EVAL', CAS_SCRIPT, 1, 'r/k', '1', '2']], [['GET', 'r/k']]]);
  });

  it('with WAIT pipelines it behind each write on the same link; reads never wait', async () => {
    const { link, sent } = fakeLink('applied', 2);
    const register = redisRegister(link, 'n1', { replicas: 2, timeoutMs: 500 });
    await register.write('k', 1);
    expect(await register.cas('k', 1, 2)).toBe(true);
    await register.read('k');
    expect(sent).toEqual([
      [['SET', 'r/k', '1'], ['WAIT', 2, 500]],
      [['EVAL', CAS_SCRIPT, 1, 'r/k', '1', '2'], ['WAIT', 2, 500]],
      [['GET', 'r/k']],
    ]);
  });

  it('a write is ok only when WAIT saw enough replicas; applied with too few (or a failed WAIT) it is unknown; refused or never sent it failed', async () => {
    const outcomeArb = fc.constantFrom<WriteOutcome>('applied', 'NOREPLICAS', 'not sent', 'timed out');
    const ackArb = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constant(new Error('Connection is closed.')), fc.constant(new ReplyError('ERR WAIT cannot be used with replica instances.')));
    await fc.assert(fc.asyncProperty(outcomeArb, fc.integer({ min: 1, max: 4 }), ackArb, async (outcome, replicas, acked) => {
      const { link } = fakeLink(outcome, acked);
      const got = await outcomeOf(() => redisRegister(link, 'n1', { replicas, timeoutMs: 500 }).write('k', 1));
      const expected = outcome === 'NOREPLICAS' || outcome === 'not sent' ? 'fail' : outcome === 'timed out' ? 'info' : typeof acked === 'number' && acked >= replicas ? 'ok' : 'info';
      expect(got).toBe(expected);
    }));
  });

  it('says what WAIT saw when it falls short', async () => {
    const { link } = fakeLink('applied', 1);
    const err = await redisRegister(link, 'n2', { replicas: 2, timeoutMs: 300 }).write('k', 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpFailure);
    expect((err as OpFailure).definite).toBe(false);
    expect((err as OpFailure).message).toBe('redis via n2: SET r/k was applied on the primary, but WAIT 2 300 saw 1 replica(s) acknowledge it; it may or may not survive a failover');
  });

  it('a cas that changed nothing returns false whatever WAIT says; one that wrote waits like a write', async () => {
    expect(await redisRegister(fakeLink('applied', 0, 0).link, 'n1', { replicas: 2, timeoutMs: 500 }).cas('k', 1, 2)).toBe(false);
    expect(await outcomeOf(() => redisRegister(fakeLink('applied', 0, 1).link, 'n1', { replicas: 2, timeoutMs: 500 }).cas('k', 1, 2))).toBe('info');
    expect(await outcomeOf(() => redisRegister(fakeLink('applied', 2, 1).link, 'n1', { replicas: 2, timeoutMs: 500 }).cas('k', 1, 2))).toBe('ok');
  });
});
