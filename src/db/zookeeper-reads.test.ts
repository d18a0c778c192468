// ZooKeeper's read knob without an ensemble: which requests a read sends under each mode (through
// fake requests), and the sync request's bytes on the wire.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertSchema, resolveOptions } from '../define/options.js';
import { OpFailure } from './db.js';
import { zookeeperDb, zookeeperOptions } from './zookeeper.js';
import { OP_SYNC, parse, readZnode, syncRequest, type ZnodeReads, type ZooKeeperReads } from './zookeeper-reads.js';

/** Fake requests that log their calls; `check` fails with BAD_VERSION `staleChecks` times first. */
function fakeRequests(data: Buffer | undefined, staleChecks = 0): { requests: ZnodeReads; calls: string[] } {
  const calls: string[] = [];
  let stale = staleChecks;
  const requests: ZnodeReads = {
    async getData(path) {
      calls.push(`getData ${path}`);
      return [data, { version: 7 }];
    },
    async check(path, version) {
      calls.push(`check ${path} ${version}`);
      if (stale-- > 0) throw new OpFailure(`check via n1: Exception: BAD_VERSION[-103]`, true);
    },
    async sync(path) {
      calls.push(`sync ${path}`);
    },
  };
  return { requests, calls };
}

const modeArb = fc.constantFrom<ZooKeeperReads>('checked', 'sync', 'local');
const dataArb = fc.option(fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))), { nil: undefined });

describe('zookeeper options', () => {
  it('declare --zk-reads with checked (the adapter\'s read until now) as the default', () => {
    assertSchema(zookeeperOptions, 'db zookeeper');
    expect(zookeeperOptions.reads.flag).toBe('zk-reads');
    expect(zookeeperOptions.reads.choices).toEqual(['checked', 'sync', 'local']);
    expect(resolveOptions(zookeeperOptions, {}, { nodeCount: 3 }, 'db zookeeper')).toEqual({ reads: 'checked' });
  });

  it('refuse an unknown read mode in one line, when the db is made', () => {
    expect(() => zookeeperDb({ reads: 'quorum' as ZooKeeperReads })).toThrow('--zk-reads "quorum" is not known; expected one of: checked, sync, local');
    expect(zookeeperDb().name).toBe('zookeeper');
  });
});

describe('a ZooKeeper register read under each mode', () => {
  it('sends getData then check (checked), sync then getData (sync), or getData alone (local), and returns the data', async () => {
    const expected: Record<ZooKeeperReads, string[]> = {
      checked: ['getData /r/k', 'check /r/k 7'],
      sync: ['sync /r/k', 'getData /r/k'],
      local: ['getData /r/k'],
    };
    await fc.assert(fc.asyncProperty(modeArb, dataArb, async (mode, data) => {
      const { requests, calls } = fakeRequests(data);
      expect(await readZnode(requests, '/r/k', mode, 'n1')).toEqual(parse(data));
      expect(calls).toEqual(expected[mode]);
    }));
  });

  it('checked: reads again while the version moves, and fails definitely after three moves', async () => {
    const twice = fakeRequests(Buffer.from('5'), 2);
    expect(await readZnode(twice.requests, '/r/k', 'checked', 'n1')).toBe(5);
    expect(twice.calls.filter((c) => c.startsWith('check')).length).toBe(3);
    const always = fakeRequests(Buffer.from('5'), 3);
    const err = await readZnode(always.requests, '/r/k', 'checked', 'n1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpFailure);
    expect((err as OpFailure).definite).toBe(true);
    expect((err as OpFailure).message).toBe('read of /r/k via n1: the register changed under three reads in a row');
  });

  it('sync and local: a znode never created reads as null (they create nothing: that would need the leader)', async () => {
    for (const mode of ['sync', 'local'] as const) {
      const { requests, calls } = fakeRequests(undefined);
      requests.getData = async (path) => {
        calls.push(`getData ${path}`);
        throw new OpFailure('getData via n1: Exception: NO_NODE[-101]', true);
      };
      expect(await readZnode(requests, '/r/k', mode, 'n1')).toBeNull();
      expect(calls).toEqual(mode === 'sync' ? ['sync /r/k', 'getData /r/k'] : ['getData /r/k']);
    }
  });

  it('sync: a failed sync fails the read before any getData is sent', async () => {
    const { requests, calls } = fakeRequests(Buffer.from('1'));
    requests.sync = async () => {
      calls.push('sync');
      throw new OpFailure('sync via n1 timed out after 100 ms', false);
    };
    await expect(readZnode(requests, '/r/k', 'sync', 'n1')).rejects.toThrow('sync via n1 timed out');
    expect(calls).toEqual(['sync']);
  });
});

describe('the sync request', () => {
  const jute = createRequire(import.meta.url)('node-zookeeper-client/lib/jute/index.js') as {
    OP_CODES: { CREATE: number };
    protocol: { CreateResponse: new () => { path?: string; deserialize(buffer: Buffer, offset: number): number } };
  };

  it('is written as ZooKeeper\'s SYNC: length, xid, opcode 9, then the path as a length-prefixed string', () => {
    fc.assert(fc.property(fc.stringMatching(/^\/[a-z0-9/]{0,20}$/), fc.integer({ min: 1, max: 1_000_000 }), (path, xid) => {
      const request = syncRequest(path);
      (request.header as { xid?: number }).xid = xid; // the connection numbers each request as it sends it
      const bytes = request.toBuffer();
      const pathBytes = Buffer.from(path, 'utf8');
      expect(bytes.readInt32BE(0)).toBe(bytes.length - 4);
      expect(bytes.readInt32BE(4)).toBe(xid);
      expect(bytes.readInt32BE(8)).toBe(OP_SYNC);
      expect(bytes.readInt32BE(12)).toBe(pathBytes.length);
      expect(bytes.subarray(16)).toEqual(pathBytes);
      // While the reply is read it names create, whose reply, like SyncResponse, is one path.
      expect(request.header.type).toBe(jute.OP_CODES.CREATE);
    }));
  });

  it('gets its reply (SyncResponse: one path) read whole by the library\'s CreateResponse record', () => {
    const reply = Buffer.alloc(4 + 4);
    reply.writeInt32BE(4, 0);
    reply.write('/r/k', 4, 'utf8');
    const record = new jute.protocol.CreateResponse();
    expect(record.deserialize(reply, 0)).toBe(reply.length);
    expect(record.path).toBe('/r/k');
  });
});
