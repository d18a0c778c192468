// Hand-made histories with known verdicts, run from one table, and the checker's result shape:
// summary, per-key outcomes, the witness, budgets ending in unknown.
import { describe, expect, it } from 'vitest';
import type { Op } from '../../src/op.js';
import { checkHistory, linearizable } from './index.js';
import { simulateRegisterHistory } from '../../test-support/simulate-register-history.js';

/** "p type f value" lines, value as JSON, e.g. `1 ok read [0, 3]`; the nemesis is "n". */
function history(text: string): Op[] {
  return text
    .trim()
    .split('\n')
    .map((line, index) => {
      const [process, type, f, ...rest] = line.trim().split(/\s+/) as [string, Op['type'], string, ...string[]];
      const value = rest.length ? (JSON.parse(rest.join(' ')) as unknown) : null;
      return { index, time: index * 1000, process: process === 'n' ? 'nemesis' : Number(process), type, f, value };
    });
}

const golden: { name: string; model: string; valid: boolean; text: string }[] = [
  { name: 'empty', model: 'cas-register', valid: true, text: '0 invoke read [0, null]\n0 fail read [0, null]' },
  { name: 'read of the initial absent value', model: 'cas-register', valid: true, text: '0 invoke read [0, null]\n0 ok read [0, null]' },
  { name: 'concurrent write and read of it', model: 'cas-register', valid: true, text: '0 invoke write [0, 1]\n1 invoke read [0, null]\n1 ok read [0, 1]\n0 ok write [0, 1]' },
  { name: 'stale read after a write completed', model: 'cas-register', valid: false, text: '0 invoke write [0, 1]\n0 ok write [0, 1]\n1 invoke read [0, null]\n1 ok read [0, null]' },
  { name: 'read of a value never written', model: 'register', valid: false, text: '0 invoke write [0, 1]\n0 ok write [0, 1]\n1 invoke read [0, null]\n1 ok read [0, 2]' },
  { name: 'failed write never happened', model: 'cas-register', valid: false, text: '0 invoke write [0, 1]\n0 fail write [0, 1]\n1 invoke read [0, null]\n1 ok read [0, 1]' },
  { name: 'crashed write may take effect late', model: 'cas-register', valid: true, text: '0 invoke write [0, 1]\n0 info write [0, 1]\n1 invoke read [0, null]\n1 ok read [0, null]\n1 invoke read [0, null]\n1 ok read [0, 1]' },
  { name: 'crashed write cannot be undone', model: 'cas-register', valid: false, text: '0 invoke write [0, 1]\n0 info write [0, 1]\n1 invoke read [0, null]\n1 ok read [0, 1]\n1 invoke read [0, null]\n1 ok read [0, null]' },
  { name: 'crashed write may never happen', model: 'cas-register', valid: true, text: '0 invoke write [0, 1]\n0 info write [0, 1]\n1 invoke read [0, null]\n1 ok read [0, null]' },
  { name: 'write that never completed', model: 'cas-register', valid: true, text: '0 invoke write [0, 1]\n1 invoke read [0, null]\n1 ok read [0, 1]' },
  { name: 'cas chain', model: 'cas-register', valid: true, text: '0 invoke write [0, 1]\n0 ok write [0, 1]\n0 invoke cas [0, [1, 2]]\n0 ok cas [0, [1, 2]]\n1 invoke read [0, null]\n1 ok read [0, 2]' },
  { name: 'cas from a value not held', model: 'cas-register', valid: false, text: '0 invoke write [0, 1]\n0 ok write [0, 1]\n0 invoke cas [0, [3, 2]]\n0 ok cas [0, [3, 2]]' },
  { name: 'failed cas is dropped', model: 'cas-register', valid: true, text: '0 invoke cas [0, [3, 2]]\n0 fail cas [0, [3, 2]]\n1 invoke read [0, null]\n1 ok read [0, null]' },
  { name: 'crashed cas applies only if it can', model: 'cas-register', valid: false, text: '0 invoke write [0, 5]\n0 ok write [0, 5]\n0 invoke cas [0, [1, 2]]\n0 info cas [0, [1, 2]]\n1 invoke read [0, null]\n1 ok read [0, 2]' },
  { name: 'keys are independent', model: 'cas-register', valid: true, text: '0 invoke write [0, 1]\n1 invoke write [1, 2]\n0 ok write [0, 1]\n1 ok write [1, 2]\n2 invoke read [1, null]\n2 ok read [1, 2]\n2 invoke read [0, null]\n2 ok read [0, 1]' },
  { name: 'nemesis ops are ignored', model: 'cas-register', valid: true, text: 'n info start null\n0 invoke write [0, 1]\n0 ok write [0, 1]\nn info stop null\n1 invoke read [0, null]\n1 ok read [0, 1]' },
  { name: 'timed-out read constrains nothing', model: 'cas-register', valid: true, text: '0 invoke write [0, 1]\n0 ok write [0, 1]\n1 invoke read [0, null]\n1 info read [0, 7]' },
  { name: 'mutex: two holders', model: 'mutex', valid: false, text: '0 invoke acquire null\n0 ok acquire null\n1 invoke acquire null\n1 ok acquire null' },
  { name: 'mutex: handover', model: 'mutex', valid: true, text: '0 invoke acquire null\n0 ok acquire null\n1 invoke acquire null\n0 invoke release null\n0 ok release null\n1 ok acquire null' },
  { name: 'set: lost add', model: 'set', valid: false, text: '0 invoke add 1\n0 ok add 1\n1 invoke read null\n1 ok read []' },
  { name: 'set: crashed adds both seen', model: 'set', valid: true, text: '0 invoke add 1\n0 info add 1\n1 invoke add 2\n1 info add 2\n2 invoke read null\n2 ok read [1, 2]' },
  { name: 'queue: fifo order', model: 'fifo-queue', valid: true, text: '0 invoke enqueue 1\n0 ok enqueue 1\n0 invoke enqueue 2\n0 ok enqueue 2\n1 invoke dequeue null\n1 ok dequeue 1' },
  { name: 'queue: out of order', model: 'fifo-queue', valid: false, text: '0 invoke enqueue 1\n0 ok enqueue 1\n0 invoke enqueue 2\n0 ok enqueue 2\n1 invoke dequeue null\n1 ok dequeue 2' },
  { name: 'kv: appends in order', model: 'kv', valid: true, text: '0 invoke append ["k", "a"]\n0 ok append ["k", "a"]\n1 invoke append ["k", "b"]\n2 invoke get ["k", null]\n2 ok get ["k", "ab"]\n1 ok append ["k", "b"]' },
  { name: 'kv: appends out of order', model: 'kv', valid: false, text: '0 invoke append ["k", "a"]\n0 ok append ["k", "a"]\n1 invoke append ["k", "b"]\n1 ok append ["k", "b"]\n2 invoke get ["k", null]\n2 ok get ["k", "ba"]' },
];

describe('hand-made histories', () => {
  it.each(golden)('$name: $valid', async ({ model, valid, text }) => {
    const result = await checkHistory(history(text), { model });
    expect(result.valid).toBe(valid);
  });
});

describe('the checker result', () => {
  it('summarises keys and explains the smallest witness first', async () => {
    const h = history(`
      0 invoke write [3, 2]
      0 ok write [3, 2]
      1 invoke read [3, null]
      1 ok read [3, 4]
      2 invoke write [1, 1]
      2 ok write [1, 1]`);
    const result = await checkHistory(h, { model: 'cas-register' });
    expect(result.valid).toBe(false);
    // Key 3 decides the verdict, so key 1 is never searched (exhaustive: true would check it).
    expect(result.summary).toBe('key 3 not linearizable: read k3 -> 4 at op 2 (1 key left unfinished)');
    expect(result.keys.map((k) => [k.key, k.outcome])).toEqual([
      [3, 'illegal'],
      [1, 'unknown'],
    ]);
    const exhaustive = await checkHistory(h, { model: 'cas-register', exhaustive: true });
    expect(exhaustive.keys.map((k) => [k.key, k.outcome])).toEqual([
      [3, 'illegal'],
      [1, 'ok'],
    ]);
    const [failure] = result.failures;
    expect(failure!.key).toBe(3);
    expect(failure!.linearized.map((l) => [l.op.description, l.stateAfter])).toEqual([['write k3 2', '2']]);
    expect(failure!.state).toBe('2');
    expect(failure!.stuck[0]!.reason).toBe('read k3 returned 4 but the register held 2');
    expect(failure!.stuck[0]!.op).toMatchObject({ index: 2, process: 1, f: 'read', value: [3, null], result: [3, 4], start: 2000, end: 3000 });
  });

  it('says how many keys are linearizable', async () => {
    const result = await linearizable({ model: 'cas-register' })(simulateRegisterHistory({ seed: 7, ops: 400, processes: 6, keys: 12, groupSize: 3 }), {});
    expect(result).toMatchObject({ valid: true, summary: '12 keys linearizable' });
  });

  it('ends in unknown, not a hang, when the time budget runs out', async () => {
    const h = simulateRegisterHistory({ seed: 3, ops: 4000, processes: 20, crashRate: 0.05 });
    const result = await checkHistory(h, { model: 'cas-register', timeoutMs: 0 });
    expect(result.valid).toBe('unknown');
    expect(result.summary).toBe('key 0 unknown: time budget exhausted');
  });

  it('ends in unknown when the memory budget runs out', async () => {
    const h = simulateRegisterHistory({ seed: 3, ops: 4000, processes: 20, crashRate: 0.05 });
    const result = await checkHistory(h, { model: 'cas-register', memoryBytes: 64 * 1024 });
    expect(result.valid).toBe('unknown');
    expect(result.keys[0]!.cause).toBe('memory');
  });

  it('takes its time budget from the context', async () => {
    const h = simulateRegisterHistory({ seed: 3, ops: 4000, processes: 20, crashRate: 0.05 });
    expect((await linearizable({ model: 'cas-register' })(h, { timeoutMs: 0 })).valid).toBe('unknown');
  });

  it('rejects an unknown model by listing the valid ones', () => {
    expect(() => linearizable({ model: 'registr' })).toThrow('unknown model "registr" in "registr"; expected one of register, cas-register, kv, mutex, set, fifo-queue');
  });

  it('names the op of a malformed history', async () => {
    await expect(checkHistory(history('0 invoke write [0, 1]\n0 invoke read [0, null]'), { model: 'cas-register' })).rejects.toThrow(
      'op 1: process 0 invoked read while op 0 (f=write) is still open; expected one op at a time per process',
    );
    await expect(checkHistory(history('0 invoke frob [0, 1]\n0 ok frob [0, 1]'), { model: 'cas-register' })).rejects.toThrow(
      'cas-register model: cannot read op f="frob" value=1; expected read | write | cas [from, to]',
    );
  });
});
