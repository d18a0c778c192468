import { describe, expect, it } from 'vitest';
import { UNKNOWN, type Operation } from './model.js';
import { packGroup, shouldUseWorkers, unpackGroup } from './parallel.js';

describe('worker packing', () => {
  it('round-trips operations, UNKNOWN included', () => {
    const ops: Operation<unknown, unknown>[] = [
      { input: { f: 'write', value: 3 }, output: null, call: 0, return: 5, id: 0 },
      { input: { f: 'cas', from: '\u0000json:[1]', to: 2 }, output: UNKNOWN, call: 1, return: Infinity, id: 1 },
      { input: { f: 'read' }, output: 3, call: 6, return: 7, id: 4 },
    ];
    expect(unpackGroup(structuredClone(packGroup(ops)))).toEqual(ops);
  });

  it('keeps small histories on one thread', () => {
    const group = { key: 1, operations: [] };
    expect(shouldUseWorkers([group, group], 'auto')).toBe(false);
    expect(shouldUseWorkers([group, group], 0)).toBe(false);
  });
});
