import { describe, expect, it } from 'vitest';
import { assertTopology, postgresDb } from './postgres.js';
import { beginStatement, hbaConf, postgresConf, synchronousStandbyNames } from './postgres-config.js';

describe('postgres configuration', () => {
  it('opens every transaction at the chosen isolation level', () => {
    expect(beginStatement('read-committed')).toBe('BEGIN ISOLATION LEVEL READ COMMITTED');
    expect(beginStatement('repeatable-read')).toBe('BEGIN ISOLATION LEVEL REPEATABLE READ');
    expect(beginStatement('serializable')).toBe('BEGIN ISOLATION LEVEL SERIALIZABLE');
  });

  it('waits for ANY 1 of the other nodes under sync replication, for none otherwise', () => {
    expect(synchronousStandbyNames('n2', ['n1', 'n2', 'n3'], 'sync')).toBe('ANY 1 ("n1", "n3")');
    expect(synchronousStandbyNames('n1', ['n1', 'n2', 'n3'], 'async')).toBe('');
    expect(synchronousStandbyNames('n1', ['n1'], 'sync')).toBe('');
  });

  it('writes a postgresql.conf with the node address, the standby names and the settings pg_rewind and the monitor need', () => {
    const conf = postgresConf('10.1.0.11', 'n1', ['n1', 'n2', 'n3'], 'sync');
    expect(conf).toContain("listen_addresses = '10.1.0.11'\n");
    expect(conf).toContain(`synchronous_standby_names = 'ANY 1 ("n2", "n3")'\n`);
    expect(conf).toContain('wal_log_hints = on\n');
    expect(conf).toContain("wal_receiver_timeout = '3s'\n");
    expect(conf).toContain("recovery_target_timeline = 'latest'\n");
    expect(postgresConf('10.1.0.11', 'n1', ['n1', 'n2'], 'async')).toContain("synchronous_standby_names = ''\n");
    expect(hbaConf()).toContain('host replication all 0.0.0.0/0 trust');
  });

  it('refuses a topology that cannot be what it says, naming the flags', () => {
    expect(() => assertTopology('none', 3)).toThrow(/--postgres-replication none is one server, but --nodes is 3; expected --nodes 1/);
    expect(() => assertTopology('async', 1)).toThrow(/needs a standby, but --nodes is 1/);
    expect(() => assertTopology('sync', 3)).not.toThrow();
    expect(() => assertTopology('none', 1)).not.toThrow();
  });

  it('serves list-append, rw-register, bank and register, names its primaries, and says when reads may be stale', () => {
    const db = postgresDb();
    for (const method of ['openTxn', 'openRwRegister', 'openBank', 'openRegister', 'primaries']) expect(typeof (db as unknown as Record<string, unknown>)[method]).toBe('function');
    expect(db.staleReads).toBeUndefined();
    expect(postgresDb({ reads: 'replicas' }).staleReads).toBe(true);
    expect(() => postgresDb({ isolation: 'snapshot' as never })).toThrow(/isolation/);
  });
});
