// The evidence behind an ok verdict: the checker's linearization of every linearizable file of the
// Porcupine corpus replays in tools/replay-linearization.mjs, a program that shares no code with the
// checker; and the replayer is not a rubber stamp: broken orders are refused, each for its reason.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replay } from '../../tools/replay-linearization.mjs';
import { parseHistory } from '../../src/formats/read-history.js';
import type { History } from '../../src/op.js';
import { checkHistory } from './index.js';

const corpus = join(import.meta.dirname, '..', '..', 'test-data', 'corpus', 'porcupine');
const tool = join(import.meta.dirname, '..', '..', 'tools', 'replay-linearization.mjs');
const manifest = readFileSync(join(corpus, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split('\t') as [string, string, string, string]);

async function witnessOf(file: string, model: string): Promise<{ history: History; witness: { model: string; keyed: boolean; history: unknown[]; orders: number[][]; format: string } }> {
  const etcd = model === 'etcd-cas-register';
  const history = parseHistory(readFileSync(join(corpus, file), 'utf8'), etcd ? 'etcd-log' : 'kv-log', file);
  const spec = etcd ? 'cas-register' : 'kv';
  const result = await checkHistory(history, { model: spec, keyed: !etcd, linearization: true });
  expect(result.outcome).toBe('ok');
  const orders = result.keys.flatMap((k) => k.linearization ?? []);
  return { history, witness: { format: 'faultline-linearization', model: spec, keyed: result.keyed, history: history.map((op) => ({ type: op.type, process: op.process, f: op.f, value: op.value })), orders } };
}

describe('linearizations of ok verdicts', () => {
  const ok = manifest.filter(([, , , expected]) => expected === 'Ok');

  it.each(ok.map(([file, model]) => [file, model]))('%s: the order replays on its own', async (file, model) => {
    const { witness } = await witnessOf(file, model);
    const replayed = replay(witness);
    expect(replayed.problems).toEqual([]);
    expect(replayed.placed).toBeGreaterThan(0);
  });

  it('refuses an order that leaves out an ok op, places one twice, breaks real time or the model', async () => {
    const { witness } = await witnessOf('kv/c10-ok.txt', 'kv');
    const copy = (): typeof witness => JSON.parse(JSON.stringify(witness)) as typeof witness;
    const longest = witness.orders.reduce((a, b, i) => (b.length > witness.orders[a]!.length ? i : a), 0);

    const dropped = copy();
    const gone = dropped.orders[longest]!.pop()!;
    expect(replay(dropped).problems).toContain(`op ${gone} (${(witness.history[gone] as { f: string }).f}) completed ok but is in no order`);

    const twice = copy();
    twice.orders[longest]!.push(twice.orders[longest]![0]!);
    expect(replay(twice).problems.join('\n')).toMatch(/placed twice/);

    // The last op of a long order moved to the front: it was invoked after ops that had returned by then.
    const late = copy();
    late.orders[longest]!.unshift(late.orders[longest]!.pop()!);
    expect(replay(late).problems.join('\n')).toMatch(/returned \(at \d+\) before op \d+ was invoked|returned .* but the key held/);

    const split = copy();
    split.orders.push(split.orders[longest]!.splice(0, 1));
    expect(replay(split).problems.join('\n')).toMatch(/is split over orders/);
  });

  it('refuses a register order whose read sees a value the register did not hold', async () => {
    const history: unknown[] = [
      { type: 'invoke', process: 0, f: 'write', value: 1 },
      { type: 'ok', process: 0, f: 'write', value: 1 },
      { type: 'invoke', process: 1, f: 'write', value: 2 },
      { type: 'invoke', process: 0, f: 'read', value: null },
      { type: 'ok', process: 0, f: 'read', value: 1 },
      { type: 'ok', process: 1, f: 'write', value: 2 },
    ];
    const witness = { format: 'faultline-linearization', model: 'register', keyed: false, history };
    expect(replay({ ...witness, orders: [[0, 2, 3]] }).problems).toEqual(['order 0: op 3: read returned 1 but the register held 2']);
    expect(replay({ ...witness, orders: [[0, 3, 2]] }).problems).toEqual([]);
    expect(replay({ ...witness, orders: [[2, 3, 0]] }).problems.join('\n')).toMatch(/op 0 returned \(at 1\) before op 3 was invoked \(at 3\)/);
  });

  it('through the command line: check --linearization writes it, the tool replays it, an illegal file has none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-linearization-'));
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'faultline.js');
    const out = join(dir, 'order.json');
    const check = (file: string) => spawnSync(process.execPath, [bin, 'check', '--format', 'kv-log', '--model', 'kv', '--linearization', out, join(corpus, file)], { encoding: 'utf8' });
    const good = check('kv/c01-ok.txt');
    expect(good.stdout).toContain(`linearization written to ${out}`);
    expect(execFileSync(process.execPath, [tool, out], { encoding: 'utf8' })).toMatch(/replayed: \d+ of \d+ ops in a legal order that respects real time/);
    const bad = check('kv/c01-bad.txt');
    expect(bad.stdout).toContain('linearization not written: the verdict is illegal (its evidence is the counterexample)');
    writeFileSync(out, '{"format":"something else"}');
    const refused = spawnSync(process.execPath, [tool, out], { encoding: 'utf8' });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/not a faultline linearization/);
  });
});
