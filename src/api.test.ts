// The library's entry points: a test run from code with a caller's own definition beside the
// built-ins, and its stored run checked again, as `faultline test` and `faultline check` would.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { recheckRun, registryWith, runTest } from './api.js';
import { recheckRun as recheckStoredRun } from './run.js';
import { defineFault, HEAL_RANK } from './define/fault.js';

const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });

const nothing = defineFault({
  name: 'nothing', description: 'does nothing, on a schedule', healRank: HEAL_RANK.partition,
  create: () => ({ fault: 'nothing', invoke: async () => 'nothing done' }),
});

describe('runTest and recheckRun from code', () => {
  it("run a test with the caller's definitions, write its report, and check it again", async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'faultline-api-'));
    const outcome = await runTest({ nodes: 3, timeLimitS: 3, nemesis: 'nothing', nemesisIntervalS: 1, seed: 5, storeDir }, { definitions: [nothing], status: quiet });
    expect(outcome.spec.nemesis.faults).toEqual([{ name: 'nothing' }]);
    expect(outcome.exitCode).toBe(0);
    expect(existsSync(join(outcome.dir, 'report.html'))).toBe(true);
    const again = await recheckRun(outcome.dir, { definitions: [nothing] });
    expect(again.results.valid).toBe(true);
    // A definition given in code has no file a worker thread could import: big histories are checked here.
    const registry = registryWith([nothing]);
    expect(registry.rebuildable).toBe(false);
    expect((await recheckStoredRun(outcome.dir, registry, { worker: true })).results.valid).toBe(true);
    // Without the definition the stored run names a fault nobody knows: one line saying so.
    await expect(recheckRun(outcome.dir)).rejects.toThrow(/--nemesis "nothing" is not known; expected one of: .*partition/);
  }, 60_000);

  it('records a cluster that does not recover after healing as a finding, not a crash', async () => {
    // Its heal kills every node, so the final phase finds no cluster to wait for.
    const wreck = defineFault({
      name: 'wreck', description: 'kills every node when healed', healRank: HEAL_RANK.partition,
      create: (ctx) => ({
        fault: 'wreck',
        invoke: async (op) => (op.f === 'stop-wreck' ? Promise.all(ctx.nodes.map((node) => ctx.runtime.kill(node))) : 'waiting'),
      }),
    });
    const storeDir = mkdtempSync(join(tmpdir(), 'faultline-api-'));
    const outcome = await runTest({ nodes: 3, timeLimitS: 2, nemesis: 'wreck', nemesisIntervalS: 1, seed: 5, readyTimeoutS: 2, storeDir }, { definitions: [wreck], status: quiet });
    expect(outcome.crashed).toBeUndefined();
    expect(outcome.exitCode).toBe(2);
    expect(outcome.results.incomplete).toMatch(/^the cluster did not recover after healing \(node n\d exited before it was ready[^\n]*\), so its final reads may not show its final state$/);
    expect(outcome.results.incomplete).not.toMatch(/last log lines/);
    const again = await recheckRun(outcome.dir, { definitions: [wreck] });
    expect(again.results.incomplete).toBe(outcome.results.incomplete);
  }, 60_000);

  it('refuses what cannot run before starting anything', async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'faultline-api-'));
    await expect(runTest({ db: 'etcd', workload: 'register', storeDir }, { status: quiet })).rejects.toThrow('--db etcd cannot run on the local runtime; expected --runtime docker');
    await expect(runTest({ nodes: 3, concurrency: 4, storeDir }, { status: quiet })).rejects.toThrow(/^--concurrency 4 is not a multiple of 3/);
  });
});
