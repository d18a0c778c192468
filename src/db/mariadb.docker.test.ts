// MariaDB and Galera end to end through the real command, kept short: a Galera cluster of three under
// partitions and kills (list-append, then bank), and a single server (list-append), each to a
// verdict with ok transactions. The rw-register connection is tried through a probe workload of
// its own (rw-register's workload lands separately): a transaction reads back what it just wrote. The verdict is MariaDB's business (repeatable-read shows G2-item
// even on one server). Needs Docker: without it the suite skips with one line, or fails under
// FAULTLINE_REQUIRE_SYSTEM_TESTS=1 (CI).
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { dockerEngine, systemHas } from '../../test-support/system-tests.js';
import { runTest } from '../api.js';
import { defineWorkload } from '../define/workload.js';
import { supportsRwRegister, type RegisterMicroOp } from '../db-contract.js';
import { stagger } from '../generator.js';
import type { Op } from '../op.js';
import { failedResult } from '../workload.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'faultline.js');
const hasDocker = await systemHas(dockerEngine);

/** Runs `faultline test` with these flags into a fresh store; its output and its history. */
async function run(name: string, flags: string[]) {
  const store = mkdtempSync(join(tmpdir(), `faultline-${name}-`));
  const result = await execa('node', [bin, 'test', '--runtime', 'docker', '--ready-timeout', '90', '--seed', '7', '--store', store, ...flags], { reject: false });
  expect(result.stdout, result.stderr).toMatch(/verdict: +(VALID|INVALID|UNKNOWN)/);
  expect([0, 1, 2]).toContain(result.exitCode);
  const history = readFileSync(join(realpathSync(join(store, 'latest')), 'history.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
  // A Galera node's data directory holds some 200 MB (redo log, gcache): not left behind.
  rmSync(store, { recursive: true, force: true });
  return { stdout: result.stdout, history };
}

// The two clusters run side by side: most of each run is the cluster forming and the final reads.
describe.runIf(hasDocker).concurrent('--db galera in containers', () => {
  it('runs list-append on 3 nodes under partitions and kills to a verdict, with ok transactions that read appends', async () => {
    const { stdout, history } = await run('galera-la', ['--db', 'galera', '--isolation', 'serializable', '--workload', 'list-append', '--nodes', '3', '--concurrency', '6',
      '--time-limit', '10', '--nemesis', 'partition,kill', '--nemesis-interval', '2']);
    expect(stdout).toMatch(/cycle +(VALID|INVALID)/);
    const ok = history.filter((op) => op.type === 'ok' && op.f === 'txn');
    expect(ok.length).toBeGreaterThan(50);
    expect(ok.some((op) => op.value.some(([f, , v]: [string, string, unknown]) => f === 'r' && Array.isArray(v) && v.length > 0))).toBe(true);
    // Every node served: clients are spread over the nodes, each a primary.
    expect(new Set(ok.map((op) => op.node))).toEqual(new Set(['n1', 'n2', 'n3']));
  });

  it('runs bank on 3 nodes under partitions and kills to a verdict, with ok transfers', async () => {
    const { stdout, history } = await run('galera-bank', ['--db', 'galera', '--workload', 'bank', '--nodes', '3', '--concurrency', '6',
      '--time-limit', '10', '--nemesis', 'partition,kill', '--nemesis-interval', '2']);
    expect(stdout).toMatch(/bank +(VALID|INVALID)/);
    expect(history.filter((op) => op.type === 'ok' && op.f === 'transfer').length).toBeGreaterThan(20);
  });
});

describe.runIf(hasDocker)('--db mariadb in a container', () => {
  it('runs list-append on a single server to a verdict with ok transactions', async () => {
    const { stdout, history } = await run('mariadb-la', ['--db', 'mariadb', '--isolation', 'serializable', '--workload', 'list-append', '--nodes', '1',
      '--concurrency', '4', '--time-limit', '6', '--nemesis', 'none']);
    expect(stdout).toMatch(/cycle +(VALID|INVALID)/);
    expect(history.filter((op) => op.type === 'ok' && op.f === 'txn').length).toBeGreaterThan(50);
  });
});

/** A probe of rw-register transactions: each writes a fresh value to a key and reads it back, and reads another key. */
const rwProbe = defineWorkload({
  name: 'rw-probe',
  description: 'writes a register and reads it back in the same transaction',
  needs: ['rw-register'],
  create: ({ db, dbCtx, rate }) => {
    let next = 0;
    return {
      name: 'rw-probe',
      generator: stagger(1e9 / rate, (ctx) => ({ f: 'txn', value: [['w', ctx.random.int(3), ++next], ['r', ctx.random.int(3), null]] })),
      open: async (node) => {
        if (!supportsRwRegister(db)) throw new Error('no rw-register');
        const conn = await db.openRwRegister(node, dbCtx);
        return {
          invoke: async (op: Op) => {
            try {
              const [w, r] = op.value as RegisterMicroOp[];
              return { type: 'ok', value: await conn.txn([w!, ['r', w![1], null], r!]) };
            } catch (err) {
              return failedResult(op, err, false);
            }
          },
          close: () => conn.close(),
        };
      },
    };
  },
  checkers: () => ({
    readsOwnWrite: (history) => {
      const wrong = history.filter((op) => op.type === 'ok' && op.f === 'txn').filter((op) => {
        const [w, own] = op.value as RegisterMicroOp[];
        return own![2] !== w![2];
      });
      return { valid: wrong.length === 0, summary: `${wrong.length} transactions did not read their own write` };
    },
  }),
});

describe.runIf(hasDocker)('--db mariadb: rw-register transactions', () => {
  it('write registers as JSON and read them back, in one transaction', async () => {
    const store = mkdtempSync(join(tmpdir(), 'faultline-mariadb-rw-'));
    const status = { write: () => true } as unknown as NodeJS.WritableStream;
    const outcome = await runTest({ runtime: 'docker', db: 'mariadb', isolation: 'serializable', workload: 'rw-probe', nodes: 1, concurrency: 3, timeLimitS: 4, nemesis: 'none', seed: 3, storeDir: store, readyTimeoutS: 90 }, { definitions: [rwProbe], status });
    expect(outcome.crashed).toBeUndefined();
    expect(outcome.results.valid, JSON.stringify(outcome.results)).toBe(true);
    const history = readFileSync(join(outcome.dir, 'history.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Op);
    rmSync(store, { recursive: true, force: true });
    const ok = history.filter((op) => op.type === 'ok' && op.f === 'txn');
    expect(ok.length).toBeGreaterThan(20);
    // Some read of another key saw a value a transaction wrote (a number, never null once written).
    expect(ok.some((op) => typeof (op.value as RegisterMicroOp[])[2]![2] === 'number')).toBe(true);
  });
});
