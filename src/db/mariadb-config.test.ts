// MariaDB and Galera without a server: each node's my.cnf and the init SQL, grastate.dat read back,
// which node bootstraps a dead cluster, and which way a Galera node starts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseBootstrap, initSql, isolationSql, judgeGaleraCluster, mostAdvanced, myCnf, parseGrastate, parseRecoveredPosition, type GaleraLook, type GraState } from './mariadb-config.js';
import { galera, galeraStart, mariadb } from './mariadb.js';
import { resolveOptions } from '../define/options.js';

const paths = { dataDir: '/run/n1/data', socket: '/run/mysqld/mysqld.sock', pidFile: '/run/n1/mysqld.pid' };

describe('myCnf', () => {
  it('makes a single server with wsrep off', () => {
    const text = myCnf({ paths, host: '10.0.0.11', node: 'n1' });
    expect(text).toContain('[mysqld]\ndatadir=/run/n1/data\n');
    expect(text).toContain('bind-address=10.0.0.11\n');
    expect(text).toContain('innodb_flush_log_at_trx_commit=1\n');
    expect(text).toContain('wsrep_on=OFF\n');
    expect(text).not.toContain('wsrep_provider');
  });

  it('makes a Galera node naming every node, with rsync SST and pc.recovery', () => {
    const text = myCnf({ paths, host: '10.0.0.12', node: 'n2', cluster: ['10.0.0.11', '10.0.0.12', '10.0.0.13'] });
    for (const line of [
      'wsrep_on=ON', 'wsrep_provider=/usr/lib/galera/libgalera_smm.so', 'wsrep_cluster_address=gcomm://10.0.0.11,10.0.0.12,10.0.0.13',
      'wsrep_node_address=10.0.0.12', 'wsrep_node_name=n2', 'wsrep_sst_method=rsync', 'binlog_format=ROW', 'innodb_autoinc_lock_mode=2',
      'wsrep_provider_options="pc.recovery=TRUE;gcache.size=64M"',
    ]) expect(text.split('\n')).toContain(line);
  });
});

describe('initSql', () => {
  it('makes the user, the database and a table with a primary key for each workload', () => {
    const sql = initSql('pw');
    expect(sql).toContain("CREATE USER IF NOT EXISTS 'faultline'@'%' IDENTIFIED BY 'pw';");
    const tables = sql.split('\n').filter((l) => l.startsWith('CREATE TABLE'));
    expect(tables).toHaveLength(4);
    for (const table of tables) expect(table).toContain('PRIMARY KEY');
  });

  it('quotes the password', () => {
    expect(initSql("it's")).toContain("IDENTIFIED BY 'it\\'s';");
  });
});

describe('isolationSql', () => {
  it('spells the levels as SQL does', () => {
    expect(isolationSql('read-uncommitted')).toBe('READ UNCOMMITTED');
    expect(isolationSql('repeatable-read')).toBe('REPEATABLE READ');
    expect(isolationSql('serializable')).toBe('SERIALIZABLE');
  });
});

describe('parseGrastate', () => {
  it('reads a crashed node and a cleanly stopped one', () => {
    const crashed = '# GALERA saved state\nversion: 2.1\nuuid:    95225b5a-f1cb-11f1-8e43-d2da05c437ec\nseqno:   -1\nsafe_to_bootstrap: 0\n';
    expect(parseGrastate(crashed)).toEqual({ uuid: '95225b5a-f1cb-11f1-8e43-d2da05c437ec', seqno: -1, safeToBootstrap: false });
    expect(parseGrastate(crashed.replace('seqno:   -1', 'seqno:   259').replace('safe_to_bootstrap: 0', 'safe_to_bootstrap: 1'))).toEqual({ uuid: '95225b5a-f1cb-11f1-8e43-d2da05c437ec', seqno: 259, safeToBootstrap: true });
  });

  it('says nothing of a file without uuid or seqno', () => {
    expect(parseGrastate('')).toBeUndefined();
    expect(parseGrastate('uuid: x\nseqno: many\n')).toBeUndefined();
  });
});

const state = (seqno: number, safeToBootstrap = false): GraState => ({ uuid: 'u', seqno, safeToBootstrap });

describe('chooseBootstrap', () => {
  it('prefers the node marked safe_to_bootstrap, then the highest seqno', () => {
    expect(chooseBootstrap(new Map([['n1', state(9)], ['n2', state(3, true)], ['n3', state(5)]]))).toBe('n2');
    expect(chooseBootstrap(new Map([['n1', state(3)], ['n2', state(9)], ['n3', undefined]]))).toBe('n2');
    expect(chooseBootstrap(new Map([['n1', state(4)], ['n2', state(4)]]))).toBe('n1');
  });

  it('refuses to guess when every seqno is unknown', () => {
    expect(chooseBootstrap(new Map([['n1', state(-1)], ['n2', state(-1)], ['n3', undefined]]))).toBeNull();
  });

  it('never picks a node whose seqno is below another known one (property)', () => {
    fc.assert(fc.property(fc.array(fc.option(fc.integer({ min: -1, max: 50 }), { nil: undefined }), { minLength: 1, maxLength: 7 }), (seqnos) => {
      const states = new Map(seqnos.map((s, i) => [`n${i + 1}`, s === undefined ? undefined : state(s)]));
      const chosen = chooseBootstrap(states);
      const known = seqnos.filter((s): s is number => s !== undefined && s >= 0);
      if (known.length === 0) return chosen === null;
      return chosen !== null && states.get(chosen)?.seqno === Math.max(...known);
    }));
  });
});

describe('mostAdvanced', () => {
  it('picks the highest known seqno, ties to node order; null when none is known', () => {
    expect(mostAdvanced(new Map([['n1', 367], ['n2', 369], ['n3', 369]]))).toBe('n2');
    expect(mostAdvanced(new Map([['n1', undefined], ['n2', -1], ['n3', 0]]))).toBe('n3');
    expect(mostAdvanced(new Map([['n1', undefined], ['n2', -1]]))).toBeNull();
  });
});

describe('parseRecoveredPosition', () => {
  it("reads the last position mariadbd --wsrep-recover logged", () => {
    const log = [
      '2026-12-07  1:05:10 0 [Note] InnoDB: Starting crash recovery from checkpoint LSN=48218',
      '2026-12-07  1:05:11 0 [Note] WSREP: Recovered position: 2f703dba-f1da-11f1-be80-675bf538cc02:367',
      '2026-12-07  1:05:11 0 [Note] WSREP: Recovered position: 2f703dba-f1da-11f1-be80-675bf538cc02:369',
    ].join('\n');
    expect(parseRecoveredPosition(log)).toEqual({ uuid: '2f703dba-f1da-11f1-be80-675bf538cc02', seqno: 369 });
    expect(parseRecoveredPosition('WSREP: Recovered position: 00000000-0000-0000-0000-000000000000:-1')?.seqno).toBe(-1);
    expect(parseRecoveredPosition('[ERROR] InnoDB: cannot open')).toBeUndefined();
  });
});

describe('judgeGaleraCluster', () => {
  /** A look at three nodes at `atMs`: each node's wsrep_cluster_status, '-' for a dead node, '' for one that does not answer SQL. */
  const look = (atMs: number, ...statuses: string[]): GaleraLook => ({
    atMs,
    views: statuses.map((s, i) => ({ node: `n${i + 1}`, running: s !== '-', ...(s !== '-' && s !== '' && { clusterStatus: s }) })),
  });
  const stuck = ['non-Primary', '', 'non-Primary'];

  it('leaves a cluster alone while any node is in a primary component (the others can join it)', () => {
    expect(judgeGaleraCluster([look(0, ...stuck), look(20_000, 'Primary', '', '-')], 10_000)).toBe('primary');
    expect(judgeGaleraCluster([look(0, 'Primary', 'Primary', 'non-Primary')], 10_000)).toBe('primary');
  });

  it('calls it stuck only once no node has been in a primary component for the whole window', () => {
    expect(judgeGaleraCluster([], 10_000)).toBe('watching');
    expect(judgeGaleraCluster([look(0, ...stuck), look(9_999, ...stuck)], 10_000)).toBe('watching');
    expect(judgeGaleraCluster([look(0, ...stuck), look(5_000, '', '', ''), look(10_000, '-', '-', '-')], 10_000)).toBe('stuck');
  });

  it('counts the window from the last look that found a primary component', () => {
    const looks = [look(0, ...stuck), look(4_000, 'Primary', '', ''), look(8_000, ...stuck), look(14_000, ...stuck)];
    expect(judgeGaleraCluster(looks, 10_000)).toBe('watching');
    expect(judgeGaleraCluster([...looks, look(18_000, ...stuck)], 10_000)).toBe('stuck');
  });

  it('is stuck exactly when the trailing looks without a primary span the window (property)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3_000 }), fc.boolean()), { minLength: 1, maxLength: 20 }), (steps) => {
      let atMs = 0;
      const looks = steps.map(([gap, primary]) => look((atMs += gap), primary ? 'Primary' : 'non-Primary', '', '-'));
      const verdict = judgeGaleraCluster(looks, 10_000);
      const lastPrimary = looks.findLastIndex((l) => l.views.some((v) => v.clusterStatus === 'Primary'));
      if (lastPrimary === looks.length - 1) return verdict === 'primary';
      const since = looks[lastPrimary + 1]!.atMs;
      return verdict === (atMs - since >= 10_000 ? 'stuck' : 'watching');
    }));
  });
});

describe('galeraStart', () => {
  const nodes = ['n1', 'n2', 'n3'];
  const facts = (over: Partial<Parameters<typeof galeraStart>[2]> = {}) => ({
    hasData: () => true, isRunning: () => false, hasViewState: () => false, grastate: () => undefined, ...over,
  });

  it('forms a new cluster on n1; the others wait for it', () => {
    const none = facts({ hasData: () => false });
    expect(nodes.map((n) => galeraStart(n, nodes, none))).toEqual(['new-cluster', 'join-first', 'join-first']);
  });

  it('joins when another node runs, or when the nodes kept their primary component (pc.recovery)', () => {
    expect(galeraStart('n1', nodes, facts({ isRunning: (n) => n === 'n3' }))).toBe('join');
    expect(galeraStart('n1', nodes, facts({ hasViewState: (n) => n === 'n2', grastate: () => state(5, true) }))).toBe('join');
  });

  it('with every node dead and no primary component kept, bootstraps the most advanced node only', () => {
    const dead = facts({ grastate: (n) => state(n === 'n2' ? 7 : 3) });
    expect(nodes.map((n) => galeraStart(n, nodes, dead))).toEqual(['join', 'bootstrap', 'join']);
    const unknown = facts({ grastate: () => state(-1) });
    expect(nodes.map((n) => galeraStart(n, nodes, unknown))).toEqual(['bootstrap', 'join', 'join']);
  });

  it('a node that never got data joins (SST)', () => {
    expect(galeraStart('n2', nodes, facts({ hasData: (n) => n !== 'n2' }))).toBe('join');
  });
});

describe('the definitions', () => {
  it('refuse node counts they cannot serve, in one line', () => {
    const iso = resolveOptions(mariadb.options, {}, { nodeCount: 1 }, 'db mariadb');
    expect(iso.isolation).toBe('repeatable-read');
    expect(() => mariadb.validate(iso, { nodeCount: 3, values: {} } as never)).toThrow('db mariadb is a single server: --nodes 3 is not valid; expected --nodes 1 (use --db galera for a cluster)');
    expect(() => galera.validate(iso, { nodeCount: 2, values: {} } as never)).toThrow('db galera needs a quorum that survives a node: --nodes 2 is not valid; expected 3 or more');
    expect(() => galera.validate(iso, { nodeCount: 5, values: {} } as never)).not.toThrow();
  });

  it('serve every transactional client kind', () => {
    const db = galera.create({ isolation: 'serializable' });
    for (const method of ['openTxn', 'openRwRegister', 'openBank', 'openRegister'] as const) expect(typeof db[method as keyof typeof db]).toBe('function');
  });
});
