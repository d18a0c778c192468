import { describe, expect, it } from 'vitest';
import { KvUsageError, parseServerOptions } from './server-options.js';

const base = ['--id', 'n1', '--listen', '127.0.0.1:7001', '--data-dir', '/tmp/x'];

describe('parseServerOptions', () => {
  it('fills defaults', () => {
    const o = parseServerOptions([...base, '--peers', 'n2=127.0.0.1:9012,n3=10.0.0.3:9013']);
    expect(o).toMatchObject({
      id: 'n1',
      listen: { host: '127.0.0.1', port: 7001 },
      peers: [
        { id: 'n2', host: '127.0.0.1', port: 9012 },
        { id: 'n3', host: '10.0.0.3', port: 9013 },
      ],
      mode: 'raft',
      readMode: 'quorum',
      fsync: 'always',
      electionTimeoutMs: { min: 300, max: 600 },
      heartbeatMs: 50,
      clockOffsetMs: 0,
      snapshotEvery: 1000,
    });
  });

  it('accepts a single election timeout and a negative clock offset', () => {
    const o = parseServerOptions([...base, '--election-timeout-ms', '400', '--clock-offset-ms', '-1500', '--read-mode', 'lease']);
    expect(o.electionTimeoutMs).toEqual({ min: 400, max: 400 });
    expect(o.clockOffsetMs).toBe(-1500);
    expect(o.readMode).toBe('lease');
  });

  it('resolves the quorum sizes to a majority of the replicas, at most the cluster size', () => {
    expect(parseServerOptions([...base, '--mode', 'quorum', '--peers', 'n2=a:1,n3=a:2,n4=a:3,n5=a:4'])).toMatchObject({ mode: 'quorum', replicas: 3, r: 2, w: 2, vnodes: 32, antiEntropy: true });
    expect(parseServerOptions([...base, '--replicas', '5', '--r', '1', '--peers', 'n2=a:1,n3=a:2,n4=a:3,n5=a:4'])).toMatchObject({ replicas: 5, r: 1, w: 3 });
    expect(parseServerOptions(base)).toMatchObject({ replicas: 1, r: 1, w: 1, failoverTimeoutMs: { min: 500, max: 1000 } });
    expect(parseServerOptions([...base, '--anti-entropy', 'off'])).toMatchObject({ antiEntropy: false });
  });

  it.each([
    [['--id', 'n1', '--data-dir', '/d'], /--listen is required/],
    [[...base, '--listen', 'localhost'], /--listen "localhost": expected host:port/],
    [[...base, '--peers', 'n2:127.0.0.1:1'], /--peers item "n2:127.0.0.1:1": expected id=host:port/],
    [[...base, '--peers', 'n1=127.0.0.1:1'], /lists this node/],
    [[...base, '--peers', 'n2=a:1,n2=b:2'], /lists "n2" twice/],
    [[...base, '--mode', 'paxos'], /--mode "paxos": expected raft \| primary \| quorum \| quorum-vc \| crdt/],
    [[...base, '--replicas', '4', '--peers', 'n2=a:1,n3=a:2'], /--replicas 4: expected at most the cluster size 3/],
    [[...base, '--replicas', '3', '--r', '4', '--peers', 'n2=a:1,n3=a:2'], /--r 4: expected at most --replicas 3/],
    [[...base, '--w', '0'], /--w "0": expected an integer >= 1/],
    [[...base, '--anti-entropy', 'maybe'], /--anti-entropy "maybe": expected on \| off/],
    [[...base, '--read-mode', 'stale'], /--read-mode "stale": expected quorum \| lease \| local/],
    [[...base, '--fsync', 'sometimes'], /--fsync "sometimes": expected always \| interval \| never/],
    [[...base, '--election-timeout-ms', '600-300'], /expected 1 <= min <= max/],
    [[...base, '--election-timeout-ms', 'soon'], /--election-timeout-ms "soon": expected milliseconds/],
    [[...base, '--heartbeat-ms', '300'], /--heartbeat-ms 300: expected less than the election timeout minimum 300/],
    [[...base, '--seed', '1.5'], /--seed "1.5": expected an integer/],
    [[...base, '--bogus', '1'], /Unknown option '--bogus'/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseServerOptions(argv)).toThrow(KvUsageError);
    expect(() => parseServerOptions(argv)).toThrow(message);
  });
});
