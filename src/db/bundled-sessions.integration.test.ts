// Session guarantees of the bundled store under partitions: the session workload with each process's
// reads spread over all nodes, without and with version tokens. Seeds and length come from the
// environment; CI runs a short version of what the README's figures measure by hand:
//   FAULTLINE_SESSION_SEEDS=1,2,3,4,5 FAULTLINE_SESSION_TIME_LIMIT=20 npx vitest run --config vitest.integration.config.ts src/db/bundled-sessions
import { builtins } from '../builtins.js';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SessionResult } from '../../checkers/session.js';
import { runTest, type RunOutcome } from '../run.js';
import { resolveSpec, type SpecOptions } from '../spec.js';

const seeds = (process.env.FAULTLINE_SESSION_SEEDS ?? '1').split(',').map(Number);
const timeLimitS = Number(process.env.FAULTLINE_SESSION_TIME_LIMIT ?? 12);
const store = mkdtempSync(join(tmpdir(), 'faultline-sessions-'));
const quiet = { write: () => true } as unknown as NodeJS.WriteStream;
/** A generous budget for one run (start, workload, healing, quiet period, final reads, checking). */
const runMs = (timeLimitS + 60) * 1000;

interface Measured {
  seed: number;
  result: SessionResult;
  logs: string;
}

async function measure(options: SpecOptions): Promise<Measured[]> {
  const measured: Measured[] = [];
  for (const seed of seeds) {
    const spec = resolveSpec({ workload: 'session', nemesis: 'partition', nemesisIntervalS: 3, timeLimitS, storeDir: store, seed, ...options }, builtins);
    const outcome = await runTest(spec, { registry: builtins, status: quiet });
    expect(outcome.crashed, `run ${spec.name} seed ${seed} crashed`).toBeUndefined();
    measured.push({ seed, result: session(outcome), logs: nodeLogs(outcome) });
  }
  console.log(`${JSON.stringify(options)}, ${timeLimitS} s: ${measured.map((m) => `seed ${m.seed}: ${summary(m.result)}`).join('; ')}`);
  return measured;
}

function session(outcome: RunOutcome): SessionResult {
  return ((outcome.results.results ?? {}) as Record<string, SessionResult>).session!;
}

function nodeLogs(outcome: RunOutcome): string {
  return ['n1', 'n2', 'n3', 'n4', 'n5'].map((n) => readFileSync(join(outcome.dir, 'nodes', n, 'node.log'), 'utf8')).join('\n');
}

function summary(r: SessionResult): string {
  const c = r.counts;
  return `${r.valid === true ? 'valid' : 'INVALID'} (ryw ${c['read-your-writes']}, mr ${c['monotonic-reads']}, mw ${c['monotonic-writes']}, wfr ${c['writes-follow-reads']}; ${r.reads} reads)`;
}

const readYourWritesOrMonotonic = (m: Measured): number => m.result.counts['read-your-writes'] + m.result.counts['monotonic-reads'];
const invalidRuns = (ms: Measured[]): number => ms.filter((m) => m.result.valid === false).length;

describe('raft with local reads', () => {
  it('breaks session guarantees without tokens and keeps all four with them', async () => {
    const none = await measure({ storeMode: 'raft', readMode: 'local', session: 'none' });
    expect(invalidRuns(none)).toBeGreaterThan(0);
    // A log position never rolls back: a read after the session's newest one sees all it wrote and read.
    const tokens = await measure({ storeMode: 'raft', readMode: 'local', session: 'tokens' });
    for (const m of tokens) expect(m.result.valid, `seed ${m.seed}: ${m.result.summary}`).toBe(true);
  }, 2 * seeds.length * runMs);
});

describe('primary with local reads', () => {
  it('breaks session guarantees without tokens; with them, only where a failover rolled acknowledged writes back', async () => {
    const none = await measure({ storeMode: 'primary', readMode: 'local', session: 'none' });
    expect(invalidRuns(none)).toBeGreaterThan(0);
    // A newer epoch counts as newer even without the writes a deposed primary acknowledged: those
    // are lost for every client, and the reads that miss them are real violations.
    const tokens = await measure({ storeMode: 'primary', readMode: 'local', session: 'tokens' });
    for (const m of tokens.filter((t) => t.result.valid !== true)) expect(m.logs, `seed ${m.seed}: ${m.result.summary}`).toContain('"event":"rollback"');
  }, 2 * seeds.length * runMs);
});

describe('quorum with R=W=1 (N=3)', () => {
  it('breaks session guarantees without tokens; per-key tokens restore read-your-writes and monotonic reads', async () => {
    const none = await measure({ storeMode: 'quorum', r: 1, w: 1, session: 'none' });
    expect(invalidRuns(none)).toBeGreaterThan(0);
    // Not zero by proof: last-writer-wins breaks ties within a millisecond by node, which can order
    // two writes against real time. Writes-follow-reads stays broken: tokens are per key.
    const tokens = await measure({ storeMode: 'quorum', r: 1, w: 1, session: 'tokens' });
    const sum = (ms: Measured[]): number => ms.reduce((n, m) => n + readYourWritesOrMonotonic(m), 0);
    expect(sum(tokens)).toBeLessThan(sum(none) / 4);
  }, 2 * seeds.length * runMs);
});
