// The library's entry points: a test run from code with a caller's own definition beside the
// built-ins, and its stored run checked again, as `faultline test` and `faultline check` would.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { recheckRun, registryWith, runTest } from './api.js';
import { recheckRun as recheckStoredRun } from './run.js';
import { defineFault, HEAL_RANK } from './define/fault.js';
import { defineDb } from './define/db.js';
import bundled from './db/bundled.js';

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
    let said = '';
    const status = new Writable({ write: (chunk, _encoding, done) => { said += String(chunk); done(); } });
    const outcome = await runTest({ nodes: 3, concurrency: 6, timeLimitS: 2, nemesis: 'wreck', nemesisIntervalS: 1, seed: 5, readyTimeoutS: 2, storeDir }, { definitions: [wreck], status });
    expect(outcome.crashed).toBeUndefined();
    // Every node is down: each thread's final reads stop at the first that fails, and the status line says so.
    expect(said).toMatch(/the final reads ran against it as it was \(threads stopped at their first failed one on a node that was still not ready: 2 on n1, 2 on n2, 2 on n3\)/);
    const history = readFileSync(join(outcome.dir, 'history.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { process: unknown; type: string; index: number });
    const healed = Math.max(...history.filter((op) => op.process === 'nemesis').map((op) => op.index));
    const finalInvokes = history.filter((op) => op.index > healed && op.type === 'invoke');
    expect(finalInvokes).toHaveLength(6);
    expect(outcome.exitCode).toBe(2);
    expect(outcome.results.incomplete).toMatch(/^the cluster did not recover after healing \(node n\d exited before it was ready[^\n]*\), so its final reads may not show its final state$/);
    expect(outcome.results.incomplete).not.toMatch(/last log lines/);
    const again = await recheckRun(outcome.dir, { definitions: [wreck] });
    expect(again.results.incomplete).toBe(outcome.results.incomplete);
  }, 60_000);

  it("applies a db's manual remedy once when the cluster did not recover, and records what it did", async () => {
    const wreck = defineFault({
      name: 'wreck', description: 'kills every node when healed', healRank: HEAL_RANK.partition,
      create: (ctx) => ({
        fault: 'wreck',
        invoke: async (op) => (op.f === 'stop-wreck' ? Promise.all(ctx.nodes.map((node) => ctx.runtime.kill(node))) : 'waiting'),
      }),
    });
    /** The bundled store with a remedy: restart every node (or fail to, when `works` is false). */
    const mending = (name: string, works: boolean) => defineDb({
      name, description: 'the bundled store, restarted by hand when it does not come back', options: bundled.options, runtimes: ['local'],
      create: (options) => {
        const inner = bundled.create(options);
        return {
          ...inner,
          recover: async (nodes: readonly string[], ctx: Parameters<typeof inner.start>[1]) => {
            if (!works) throw new Error('the remedy broke');
            await Promise.all(nodes.map((node) => inner.start(node, ctx)));
            return 'restarted every node';
          },
        };
      },
    });
    const storeDir = mkdtempSync(join(tmpdir(), 'faultline-api-'));
    const spec = { nodes: 3, timeLimitS: 2, nemesis: 'wreck', nemesisIntervalS: 1, seed: 5, readyTimeoutS: 10, storeDir };
    const helped = await runTest({ ...spec, db: 'mended' }, { definitions: [wreck, mending('mended', true)], status: quiet });
    expect(helped.crashed).toBeUndefined();
    expect(helped.results.incomplete).toBeUndefined();
    expect(helped.exitCode).toBe(0);
    const facts = JSON.parse(readFileSync(join(helped.dir, 'run.json'), 'utf8'));
    expect(facts.manualRecovery).toBe('restarted every node');
    expect(facts.unrecovered).toBeUndefined();
    expect(readFileSync(join(helped.dir, 'report.html'), 'utf8')).toContain('<strong>RECOVERED BY HAND</strong>');
    // A remedy that fails leaves the run unrecovered, saying so.
    const broken = await runTest({ ...spec, db: 'unmended' }, { definitions: [wreck, mending('unmended', false)], status: quiet });
    expect(broken.exitCode).toBe(2);
    expect(broken.results.incomplete).toMatch(/^the cluster did not recover after healing \(node n\d exited before it was ready[^\n]*; then unmended's remedy failed: the remedy broke\)/);
  }, 60_000);

  it('refuses what cannot run before starting anything', async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'faultline-api-'));
    await expect(runTest({ db: 'etcd', workload: 'register', storeDir }, { status: quiet })).rejects.toThrow('--db etcd cannot run on the local runtime; expected --runtime docker');
    await expect(runTest({ nodes: 3, concurrency: 4, storeDir }, { status: quiet })).rejects.toThrow(/^--concurrency 4 is not a multiple of 3/);
  });
});
