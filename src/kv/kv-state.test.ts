import { describe, expect, it } from 'vitest';
import { jsonEqual, KvState } from './kv-state.js';
import { parseRequest } from './protocol.js';

describe('KvState', () => {
  it('writes, reads and compares-and-sets by JSON equality', () => {
    const s = new KvState();
    expect(s.read('k')).toBeNull();
    expect(s.apply({ op: 'cas', key: 'k', from: null, to: { a: 1, b: [1, 2] } })).toEqual({ ok: true });
    expect(s.apply({ op: 'cas', key: 'k', from: { b: [1, 2], a: 1 }, to: 3 })).toEqual({ ok: true });
    expect(s.apply({ op: 'cas', key: 'k', from: 4, to: 5 })).toEqual({ ok: false, error: 'cas-mismatch', current: 3 });
    s.apply({ op: 'write', key: '__proto__', value: 'odd key' });
    const restored = KvState.restore(JSON.parse(JSON.stringify(s.snapshot())));
    expect(restored.read('k')).toBe(3);
    expect(restored.read('__proto__')).toBe('odd key');
  });

  it('keeps sets as arrays of distinct elements and counters as numbers, refusing other types', () => {
    const s = new KvState();
    expect(s.apply({ op: 'set-add', key: 's', element: { a: 1 } })).toEqual({ ok: true });
    expect(s.apply({ op: 'set-add', key: 's', element: { a: 1 } })).toEqual({ ok: true });
    expect(s.apply({ op: 'set-add', key: 's', element: 2 })).toEqual({ ok: true });
    expect(s.read('s')).toEqual([{ a: 1 }, 2]);
    expect(s.apply({ op: 'set-remove', key: 's', element: { a: 1 } })).toEqual({ ok: true });
    expect(s.read('s')).toEqual([2]);
    expect(s.apply({ op: 'counter-add', key: 'c', delta: 5 })).toEqual({ ok: true });
    expect(s.apply({ op: 'counter-add', key: 'c', delta: -2 })).toEqual({ ok: true });
    expect(s.read('c')).toBe(3);
    expect(s.apply({ op: 'counter-add', key: 's', delta: 1 })).toEqual({ ok: false, error: 'wrong-type', current: [2] });
    expect(s.apply({ op: 'set-add', key: 'c', element: 1 })).toEqual({ ok: false, error: 'wrong-type', current: 3 });
  });

  it('jsonEqual distinguishes arrays, objects and nulls', () => {
    expect(jsonEqual([1, 2], [1, 2])).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: null }, {})).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual(null, 0)).toBe(false);
  });
});

describe('parseRequest', () => {
  it('accepts the four ops and names what is wrong otherwise', () => {
    expect(parseRequest('{"id":1,"op":"read","key":"k"}')).toEqual({ request: { id: 1, op: 'read', key: 'k' } });
    expect(parseRequest('{"id":"a","op":"cas","key":"k","from":null,"to":2}')).toEqual({ request: { id: 'a', op: 'cas', key: 'k', from: null, to: 2 } });
    expect(parseRequest('{"id":2,"op":"write","key":"k"}')).toEqual({ id: 2, problem: 'request 2 (op write) needs a "value"' });
    expect(parseRequest('{"id":3,"op":"delete","key":"k"}')).toEqual({ id: 3, problem: 'request 3 has op "delete"; expected read | write | cas | set-add | set-remove | counter-add | txn | member | status' });
    expect(parseRequest('{"id":4,"op":"counter-add","key":"c","delta":-1,"type":"g-counter"}')).toEqual({ id: 4, problem: 'request 4 (op counter-add) adds -1 to a g-counter; expected a delta >= 0' });
    expect(parseRequest('{"id":5,"op":"counter-add","key":"c","delta":1.5}')).toEqual({ id: 5, problem: 'request 5 (op counter-add) has delta "1.5"; expected an integer' });
    expect(parseRequest('{"id":6,"op":"set-add","key":"s"}')).toEqual({ id: 6, problem: 'request 6 (op set-add) needs an "element"' });
    expect(parseRequest('{"id":7,"op":"write","key":"k","value":1,"context":"abc"}')).toEqual({ request: { id: 7, op: 'write', key: 'k', value: 1, context: 'abc' } });
    expect(parseRequest('{"id":8,"op":"member","action":"remove","node":"n2"}')).toEqual({ request: { id: 8, op: 'member', action: 'remove', node: 'n2' } });
    expect(parseRequest('{"id":9,"op":"member","action":"drop","node":"n2"}')).toEqual({ id: 9, problem: 'request 9 (op member) has action \"drop\"; expected add | remove' });
    expect(parseRequest('nope')).toEqual({ id: null, problem: 'request "nope" is not JSON' });
  });
});
