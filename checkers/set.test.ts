import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { historyBuilder } from '../test-support/history-builder.js';
import { checkSet } from './set.js';

describe('set checker', () => {
  it('is valid when every acknowledged element is read, and measures latency to stable visibility', () => {
    const h = historyBuilder()
      .run(0, 'add', 1)
      .run(1, 'read', null, [1])
      .run(0, 'add', 2)
      .at(10).run(1, 'read', null, [1])
      .at(30).run(1, 'read', null, [1, 2])
      .run(1, 'read', null, [2, 1]);
    const r = checkSet(h.history);
    expect(r.valid).toBe(true);
    expect(r.counts).toMatchObject({ attempted: 2, acknowledged: 2, stable: 1, stale: 1, lost: 0 });
    expect(r.stale[0]!.element).toBe(2);
    // add 2 was invoked at 5 ms; the read that missed it began at 10 ms.
    expect(r.stale[0]!.latencyMs).toBe(5);
  });

  it('finds an acknowledged element that disappears (seen, then gone)', () => {
    const h = historyBuilder()
      .run(0, 'add', 'a')
      .run(0, 'add', 'b')
      .run(1, 'read', null, ['a', 'b'])
      .run(1, 'read', null, ['a']);
    const r = checkSet(h.history);
    expect(r.valid).toBe(false);
    expect(r.lost.map((e) => e.element)).toEqual(['b']);
    expect(r.lost[0]!.lastSeen!.index).toBe(4);
    expect(r.lost[0]!.missingIn!.index).toBe(6);
    expect(r.summary).toMatch(/1 lost/);
  });

  it('says whether a lost element had a concurrent add (racing read-modify-writes) or none (clocks)', () => {
    // b's add overlaps c's; d's add runs alone after both: all three are lost.
    const h = historyBuilder()
      .run(0, 'add', 'a')
      .invoke(0, 'add', 'b')
      .run(1, 'add', 'c')
      .ok(0, 'b')
      .run(0, 'add', 'd')
      .run(1, 'read', null, ['a']);
    const r = checkSet(h.history);
    expect(r.lost.map((e) => [e.element, e.concurrentAdds])).toEqual([['b', 1], ['c', 1], ['d', 0]]);
    expect(r.counts.lostAlone).toBe(1);
    expect(r.summary).toMatch(/3 lost.*; 1 lost with no concurrent add/);
  });

  it('finds an acknowledged element that no later read ever saw', () => {
    const h = historyBuilder().run(0, 'add', 7).run(1, 'read', null, []);
    expect(checkSet(h.history).lost.map((e) => e.element)).toEqual([7]);
  });

  it('does not count a read concurrent with the add against it', () => {
    const h = historyBuilder().invoke(1, 'read', null).run(0, 'add', 7).ok(1, []);
    const r = checkSet(h.history);
    expect(r.counts['never-read']).toBe(1);
    expect(r.valid).toBe(true);
  });

  it('reports info adds never seen as unconfirmed, and seen ones as stable', () => {
    const h = historyBuilder().run(0, 'add', 1, undefined, 'info').run(2, 'add', 2, undefined, 'info').run(1, 'read', null, [2]);
    const r = checkSet(h.history);
    expect(r.valid).toBe(true);
    expect(r.unconfirmed).toEqual([1]);
    expect(r.counts.stable).toBe(1);
  });

  it('flags elements that were never added, or whose add failed, as unexpected', () => {
    const h = historyBuilder().run(0, 'add', 1, undefined, 'fail').run(1, 'read', null, [1, 9]);
    const r = checkSet(h.history);
    expect(r.valid).toBe(false);
    expect(r.unexpected.map((u) => u.element)).toEqual([1, 9]);
  });

  it('with finalFrom, judges lost elements by the final reads from every node', () => {
    const h = historyBuilder()
      .run(0, 'add', 1, undefined, 'ok', 'n1')
      .run(1, 'add', 2, undefined, 'ok', 'n2')
      .run(0, 'read', null, [1], 'ok', 'n1')
      .nemesis('stop-partition')
      .run(0, 'read', null, [1, 2], 'ok', 'n1')
      .run(1, 'read', null, [2], 'ok', 'n2');
    const r = checkSet(h.history, { finalFrom: 'after-last-fault' });
    expect(r.valid).toBe(false);
    expect(r.lost.map((e) => e.element)).toEqual([1]);
    expect(r.lost[0]!.missingIn!.node).toBe('n2');
    expect(r.counts.finalReads).toBe(2);
    // By all reads, element 1 is also lost (the last read missed it), element 2 was read late.
    expect(checkSet(h.history).counts).toMatchObject({ lost: 1, stale: 1 });
  });

  it('is unknown without any successful read', () => {
    expect(checkSet(historyBuilder().run(0, 'add', 1).history).valid).toBe('unknown');
  });

  it('names the bad read when a read does not return an array', () => {
    expect(() => checkSet(historyBuilder().run(0, 'read', null, 5).history)).toThrow(/op 1: read returned 5; expected an array/);
  });

  it('never reports a loss for a serial history where every read sees every earlier add', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 40 }), (steps) => {
        const h = historyBuilder();
        const added: number[] = [];
        steps.forEach((isAdd, i) => {
          if (isAdd) {
            h.run(i % 3, 'add', i);
            added.push(i);
          } else h.run(i % 3, 'read', null, [...added]);
        });
        const r = checkSet(h.history);
        expect(r.counts.lost + r.counts.stale + r.counts.unexpected).toBe(0);
        expect(r.valid).toBe(steps.includes(false) ? true : 'unknown');
      }),
    );
  });
});
