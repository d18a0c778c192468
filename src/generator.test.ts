import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  any, clients, cycle, delay, eachThread, limit, mix, nemesis, phases, repeat, sleep, stagger, stopAtFailureOn, timeLimit, untilOk,
  type Gen,
} from './generator.js';
import { independentKeys } from './independent.js';
import { simulate } from './simulate.js';
import type { Op } from './op.js';

const S = 1e9;
const MS = 1e6;
const invokes = (h: Op[]) => h.filter((o) => o.type === 'invoke');

describe('generators on virtual time', () => {
  it('an op template is issued once; an array runs in order', async () => {
    const h = await simulate([{ f: 'a' }, { f: 'b' }, [{ f: 'c' }]], { concurrency: 1 });
    expect(invokes(h).map((o) => o.f)).toEqual(['a', 'b', 'c']);
    expect(h.map((o) => o.type)).toEqual(['invoke', 'ok', 'invoke', 'ok', 'invoke', 'ok']);
  });

  it('a function is asked again until it returns null (it may be asked more often than its ops are issued)', async () => {
    const h = await simulate(delay(S, (ctx) => (ctx.time < 3 * S ? { f: 'w', value: ctx.random.int(5) } : null)), { concurrency: 2 });
    // Asked at 2.001 s (after the third op completed), it still answers; delay issues that at 3 s.
    expect(invokes(h).map((o) => o.time)).toEqual([0, S, 2 * S, 3 * S]);
  });

  it('limit, repeat and concurrency: ops spread across free processes', async () => {
    const h = await simulate(limit(6, repeat({ f: 'r' })), { concurrency: 3, latencyNs: 10 * MS });
    expect(invokes(h)).toHaveLength(6);
    expect(new Set(invokes(h).map((o) => o.process))).toEqual(new Set([0, 1, 2]));
  });

  it('never has two ops in flight on one process', async () => {
    await fc.assert(fc.asyncProperty(fc.integer(), fc.integer({ min: 1, max: 6 }), async (seed, concurrency) => {
      const h = await simulate(limit(50, stagger(MS, repeat({ f: 'x' }))), {
        concurrency, seed, latencyNs: (op) => ((op.index * 7919) % 13) * MS,
      });
      const open = new Set<unknown>();
      for (const o of h) {
        if (o.type === 'invoke') { expect(open.has(o.process)).toBe(false); open.add(o.process); }
        else { expect(open.has(o.process)).toBe(true); open.delete(o.process); }
      }
      expect(open.size).toBe(0);
    }), { numRuns: 30 });
  });

  it('timeLimit stops issuing after the limit, on logical time', async () => {
    const h = await simulate(timeLimit(10 * S, delay(1 * S, repeat({ f: 'r' }))), { concurrency: 1 });
    expect(invokes(h)).toHaveLength(10);
    expect(Math.max(...invokes(h).map((o) => o.time))).toBeLessThan(10 * S);
  });

  it('stagger averages its interval', async () => {
    const h = await simulate(timeLimit(100 * S, stagger(100 * MS, repeat({ f: 'r' }))), { concurrency: 4, seed: 7 });
    expect(invokes(h).length).toBeGreaterThan(850);
    expect(invokes(h).length).toBeLessThan(1150);
  });

  it('sleep only advances time', async () => {
    const h = await simulate([{ f: 'a' }, sleep(5 * S), { f: 'b' }], { concurrency: 1 });
    const [a, b] = invokes(h);
    expect(b!.time - a!.time).toBeGreaterThanOrEqual(5 * S);
  });

  it('a sleep starts when issued, even while other generators keep offering sooner ops', async () => {
    const gen = timeLimit(3 * S, any(clients(stagger(10 * MS, repeat({ f: 'read' }))), nemesis([sleep(1 * S), { f: 'start-kill' }])));
    const h = await simulate(gen, { concurrency: 2, nemesis: true });
    const kill = h.find((o) => o.f === 'start-kill' && o.type === 'invoke');
    expect(kill?.time).toBeGreaterThanOrEqual(1 * S);
    expect(kill!.time).toBeLessThan(1.1 * S);
  });

  it('phases waits for every thread before the next phase', async () => {
    const h = await simulate(phases(limit(4, repeat({ f: 'slow' })), { f: 'after' }), {
      concurrency: 4, latencyNs: (op) => (op.f === 'slow' ? (op.index + 1) * S : MS),
    });
    const after = h.find((o) => o.f === 'after' && o.type === 'invoke')!;
    const lastSlow = Math.max(...h.filter((o) => o.f === 'slow' && o.type === 'ok').map((o) => o.time));
    expect(after.time).toBeGreaterThanOrEqual(lastSlow);
  });

  it('eachThread gives every thread its own copy', async () => {
    const h = await simulate(eachThread([{ f: 'a' }, { f: 'b' }]), { concurrency: 3 });
    for (const p of [0, 1, 2]) expect(invokes(h).filter((o) => o.process === p).map((o) => o.f)).toEqual(['a', 'b']);
  });

  it('clients and nemesis keep to their threads; any interleaves them', async () => {
    const gen = any(clients(limit(5, repeat({ f: 'read' }))), nemesis([{ f: 'start-partition' }, { f: 'stop-partition' }]));
    const h = await simulate(gen, { concurrency: 2, nemesis: true });
    for (const o of h) expect(o.process === 'nemesis').toBe(o.f.includes('partition'));
    expect(invokes(h)).toHaveLength(7);
  });

  it('an info completion retires the process; the thread continues as process + concurrency', async () => {
    const h = await simulate(limit(4, repeat({ f: 'w' })), {
      concurrency: 2, latencyNs: MS, complete: (op) => ({ type: op.index === 0 ? 'info' : 'ok' }),
    });
    const first = invokes(h)[0]!.process as number;
    expect(invokes(h).map((o) => o.process)).toContain(first + 2);
    expect(h.filter((o) => o.process === first)).toHaveLength(2);
  });

  it('spreads ops over the free threads rather than giving them all to the first', async () => {
    // Short ops spaced far apart: every thread is free at every ask.
    const h = await simulate(limit(400, stagger(10 * MS, repeat({ f: 'w' }))), { concurrency: 4, latencyNs: MS, seed: 5 });
    const counts = [0, 1, 2, 3].map((p) => invokes(h).filter((o) => o.process === p).length);
    for (const n of counts) expect(n).toBeGreaterThan(60);
  });

  it('untilOk repeats until an op it issued succeeds', async () => {
    let calls = 0;
    const h = await simulate(untilOk(repeat({ f: 'try' })), {
      concurrency: 1, complete: () => ({ type: ++calls < 4 ? 'fail' : 'ok' }),
    });
    expect(invokes(h)).toHaveLength(4);
    expect(h.at(-1)!.type).toBe('ok');
  });

  it('stopAtFailureOn stops a thread on an unready node at its first failure (fail or info), and no other thread', async () => {
    const reads = eachThread([1, 2, 3, 4, 5].map((k) => ({ f: 'read', value: k })));
    const stops: string[] = [];
    // Threads 0-1 on n1 (healthy), 2-3 on n2 (did not recover: its ops fail, or time out as info), 4 on n3 (did not recover, but answers).
    const nodeOf = (t: number | 'nemesis') => (t === 0 || t === 1 ? 'n1' : t === 4 ? 'n3' : 'n2');
    const h = await simulate(stopAtFailureOn(new Set(['n2', 'n3']), reads, (thread, node) => stops.push(`${String(thread)}@${node}`)), {
      concurrency: 5, nodeOf,
      complete: (op) => (op.node === 'n2' ? { type: op.process === 2 ? 'fail' : 'info' } : { type: 'ok' }),
    });
    const readsOn = (node: string) => invokes(h).filter((o) => o.node === node).length;
    expect(readsOn('n1')).toBe(10);
    expect(readsOn('n3')).toBe(5);
    // One read each on n2, then those threads stop; the info retired thread 3's process before the event came.
    expect(readsOn('n2')).toBe(2);
    expect(h.filter((o) => o.node === 'n2' && o.type !== 'invoke').map((o) => o.type).sort()).toEqual(['fail', 'info']);
    expect(stops.sort()).toEqual(['2@n2', '3@n2']);
    // Without the wrapper, every thread reads every key.
    const all = await simulate(reads, { concurrency: 5, nodeOf, complete: (op) => ({ type: op.node === 'n2' ? 'fail' : 'ok' }) });
    expect(invokes(all)).toHaveLength(25);
  });

  it('mix draws from every generator and is reproducible by seed', async () => {
    const gen: Gen = limit(200, mix([repeat({ f: 'a' }), repeat({ f: 'b' }), repeat({ f: 'c' })]));
    const one = await simulate(gen, { concurrency: 2, seed: 3 });
    const two = await simulate(gen, { concurrency: 2, seed: 3 });
    expect(one).toEqual(two);
    for (const f of ['a', 'b', 'c']) expect(invokes(one).filter((o) => o.f === f).length).toBeGreaterThan(40);
  });

  it('cycle restarts a sequence: nemesis start/stop alternate', async () => {
    const h = await simulate(limit(6, cycle([{ f: 'start-kill' }, { f: 'stop-kill' }])), { concurrency: 0, nemesis: true });
    expect(invokes(h).map((o) => o.f)).toEqual(['start-kill', 'stop-kill', 'start-kill', 'stop-kill', 'start-kill', 'stop-kill']);
  });

  it('a pending generator with nothing in flight is an error, not a hang', async () => {
    const stuck: Gen = { op: () => 'pending' };
    await expect(simulate(stuck, { concurrency: 1 })).rejects.toThrow(/pending/);
  });

  it('a seed gives the ops it gave before the generators were made faster (same draws, same order)', async () => {
    // Keys, mix, untilOk, stagger, cycle and sleeps on both kinds of thread, with fail and info
    // completions: the history's hash was taken from the closure-based generators this replaced.
    const gen = timeLimit(2 * S, any(
      clients(stagger(MS, independentKeys(2, (k) => limit(10, mix([() => ({ f: 'read', value: null }), (ctx) => ({ f: 'write', value: ctx.random.int(5) }), untilOk(repeat({ f: 'cas', value: [k, 1] }))]))))),
      nemesis(cycle([sleep(100 * MS), { f: 'start-kill' }, sleep(100 * MS), { f: 'stop-kill' }])),
    ));
    const h = await simulate(gen, {
      concurrency: 4, nemesis: true, seed: 11,
      latencyNs: (o) => (((o.index * 7919) % 13) * MS) / 4,
      complete: (o) => (o.index % 17 === 0 ? { type: 'info' } : o.index % 5 === 0 ? { type: 'fail' } : { type: 'ok' }),
    });
    expect(h).toHaveLength(4006);
    expect(createHash('sha256').update(h.map((o) => JSON.stringify(o)).join('\n')).digest('hex')).toBe('ae775a6882e23e1c70dfdbe1a03557184af33296389dde442cb833b962db9778');
  });
});
