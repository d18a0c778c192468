// etcd's read knob without a cluster: which requests the register, list-append and bank clients
// send under each setting, through a fake gateway that records every request body.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertSchema, resolveOptions } from '../define/options.js';
import { etcdDb, etcdOptions, etcdRegister } from './etcd.js';
import { encode, etcdBank, etcdListAppend, type EtcdCall, type EtcdReads } from './etcd-txn.js';

interface Sent {
  path: string;
  body: Record<string, unknown>;
}

/** A gateway that answers every request with an empty success and remembers what it was sent. */
function recordingGateway(): { call: EtcdCall; sent: Sent[] } {
  const sent: Sent[] = [];
  const call: EtcdCall = async (path, body) => {
    sent.push({ path, body: body as Record<string, unknown> });
    if (path === '/v3/kv/txn') return { succeeded: true, responses: [] };
    return {};
  };
  return { call, sent };
}

/** The range requests inside a sent request: the body itself for /v3/kv/range, the txn's requestRange ops otherwise. */
function rangesOf({ path, body }: Sent): Record<string, unknown>[] {
  if (path === '/v3/kv/range') return [body];
  const ops = [...((body.success as Record<string, unknown>[] | undefined) ?? []), ...((body.failure as Record<string, unknown>[] | undefined) ?? [])];
  return ops.flatMap((op) => (op.requestRange ? [op.requestRange as Record<string, unknown>] : []));
}

const readsArb = fc.constantFrom<EtcdReads>('linearizable', 'serializable');
const registerOp = fc.oneof(
  fc.record({ f: fc.constant('read' as const), key: fc.string({ maxLength: 4 }) }),
  fc.record({ f: fc.constant('write' as const), key: fc.string({ maxLength: 4 }), value: fc.integer() }),
  fc.record({ f: fc.constant('cas' as const), key: fc.string({ maxLength: 4 }), from: fc.integer(), to: fc.integer() }),
);

describe('etcd options', () => {
  it('declare --etcd-reads with linearizable (etcd\'s default, and the adapter\'s until now) as the default', () => {
    assertSchema(etcdOptions, 'db etcd');
    expect(etcdOptions.reads.flag).toBe('etcd-reads');
    expect(etcdOptions.reads.choices).toEqual(['linearizable', 'serializable']);
    expect(resolveOptions(etcdOptions, {}, { nodeCount: 3 }, 'db etcd')).toEqual({ reads: 'linearizable' });
  });

  it('refuse an unknown read mode in one line, when the db is made', () => {
    expect(() => etcdDb({ reads: 'quorum' as EtcdReads })).toThrow('--etcd-reads "quorum" is not known; expected one of: linearizable, serializable');
    expect(etcdDb().name).toBe('etcd');
  });
});

describe('etcd register requests under each read mode', () => {
  it('a read asks for a serializable range exactly when reads are serializable; writes and cas never do', async () => {
    await fc.assert(fc.asyncProperty(readsArb, fc.array(registerOp, { maxLength: 12 }), async (reads, ops) => {
      const { call, sent } = recordingGateway();
      const register = etcdRegister(call, reads);
      for (const op of ops) {
        if (op.f === 'read') await register.read(op.key);
        else if (op.f === 'write') await register.write(op.key, op.value);
        else await register.cas(op.key, op.from, op.to);
      }
      expect(sent.map((s) => s.path)).toEqual(ops.map((op) => ({ read: '/v3/kv/range', write: '/v3/kv/put', cas: '/v3/kv/txn' })[op.f]));
      for (const request of sent) {
        if (request.path === '/v3/kv/range') expect(request.body.serializable === true).toBe(reads === 'serializable');
        else expect(JSON.stringify(request.body)).not.toContain('serializable');
      }
    }));
  });

  it('a linearizable read sends no serializable field at all (the gateway\'s default is the linearizable read)', async () => {
    const { call, sent } = recordingGateway();
    await etcdRegister(call, 'linearizable').read('k');
    expect(sent).toEqual([{ path: '/v3/kv/range', body: { key: encode('r/k') } }]);
  });
});

describe('etcd transactions under each read mode', () => {
  it('list-append and bank read every key in serializable ranges exactly when reads are serializable; commits hold no range', async () => {
    await fc.assert(fc.asyncProperty(readsArb, fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { minLength: 1 }), async (reads, keys) => {
      const { call, sent } = recordingGateway();
      // Every read finds nothing: lists read [], and a transfer finds no balance and fails before committing.
      await etcdListAppend(call, reads).txn(keys.map((k) => ['r', k, null]));
      await etcdListAppend(call, reads).txn([['append', keys[0]!, 1]]);
      await etcdBank(call, reads).read(keys);
      await etcdBank(call, reads).transfer('a', 'b', 1).catch(() => undefined);
      const reading = sent.filter((s) => rangesOf(s).length > 0);
      expect(reading.length).toBe(4);
      for (const request of reading) {
        expect(request.body.compare, 'a read txn has no guard').toBeUndefined();
        for (const range of rangesOf(request)) expect(range.serializable === true).toBe(reads === 'serializable');
      }
      const commits = sent.filter((s) => s.body.compare !== undefined);
      expect(commits.length).toBe(1);
      expect(rangesOf(commits[0]!)).toEqual([]);
    }));
  });
});
