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
    expect(parseRequest('{"id":3,"op":"delete","key":"k"}')).toEqual({ id: 3, problem: 'request 3 has op "delete"; expected read | write | cas | status' });
    expect(parseRequest('nope')).toEqual({ id: null, problem: 'request "nope" is not JSON' });
  });
});
