import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { CatchUp } from './catch-up.js';
import { KvSession } from './kv-session.js';
import { parseRequest, type KvResponse } from './protocol.js';
import { compareVersions, isVersion, newerVersion, type KvVersion } from './version.js';

const ok = (version?: KvVersion, value: unknown = null): KvResponse => ({ id: 1, ok: true, value: value as null, ...(version && { version }) });
const version = fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom('n1', 'n2')), { maxLength: 3 });

describe('versions', () => {
  it('compare element by element, numbers numerically, a prefix older', () => {
    expect(compareVersions([10], [9])).toBeGreaterThan(0);
    expect(compareVersions([2, 3], [10, 1])).toBeLessThan(0); // primary: a later epoch wins whatever the index
    expect(compareVersions([5, 0, 'n1'], [5, 0, 'n2'])).toBeLessThan(0); // LWW ties break by node
    expect(compareVersions([4], [4, 0])).toBeLessThan(0);
    expect(compareVersions([], [])).toBe(0);
  });

  it('form a total order (antisymmetric, transitive), and newerVersion picks its maximum', () => {
    fc.assert(fc.property(version, version, version, (a, b, c) => {
      expect(Math.sign(compareVersions(a, b)) + Math.sign(compareVersions(b, a))).toBe(0);
      if (compareVersions(a, b) <= 0 && compareVersions(b, c) <= 0) expect(compareVersions(a, c)).toBeLessThanOrEqual(0);
      expect(compareVersions(newerVersion(a, b)!, a)).toBeGreaterThanOrEqual(0);
      expect(compareVersions(newerVersion(a, b)!, b)).toBeGreaterThanOrEqual(0);
    }));
    expect(newerVersion(undefined, [1])).toEqual([1]);
    expect(newerVersion([1], undefined)).toEqual([1]);
  });

  it('are arrays of finite numbers and strings', () => {
    expect(isVersion([3, 'n1'])).toBe(true);
    expect(isVersion([null])).toBe(false);
    expect(isVersion([Infinity])).toBe(false);
    expect(isVersion('7')).toBe(false);
  });

  it('travel as `after` on reads and `version: true` on any request', () => {
    expect(parseRequest('{"id":1,"op":"read","key":"k","after":[7,"n1"],"version":true}')).toEqual({ request: { id: 1, op: 'read', key: 'k', after: [7, 'n1'], version: true } });
    expect(parseRequest('{"id":2,"op":"write","key":"k","value":1,"version":true}')).toEqual({ request: { id: 2, op: 'write', key: 'k', value: 1, version: true } });
    expect(parseRequest('{"id":3,"op":"read","key":"k","after":7}')).toEqual({ id: 3, problem: 'request 3 (op read) has after "7"; expected a version a reply returned (an array of numbers and strings)' });
    expect(parseRequest('{"id":4,"op":"read","key":"k","version":"yes"}')).toEqual({ id: 4, problem: 'request 4 has version "\\"yes\\""; expected true or no "version"' });
  });
});

describe('KvSession', () => {
  it('with log versions: one token for every key, never lowered', () => {
    const s = new KvSession('log');
    expect(s.stamp({ op: 'read', key: 'a' })).toEqual({ op: 'read', key: 'a', version: true });
    s.observe({ op: 'write', key: 'a', value: 1 }, ok([7]));
    s.observe({ op: 'read', key: 'b' }, ok([5])); // an older state read elsewhere does not lower it
    expect(s.stamp({ op: 'read', key: 'b' })).toEqual({ op: 'read', key: 'b', after: [7], version: true });
    s.observe({ op: 'read', key: 'b' }, ok([9]));
    expect(s.versionFor('a')).toEqual([9]);
    expect(s.stamp({ op: 'write', key: 'a', value: 2 })).toEqual({ op: 'write', key: 'a', value: 2, version: true });
  });

  it('with key versions: a token per key; failures and replies without versions change nothing', () => {
    const s = new KvSession('key');
    s.observe({ op: 'write', key: 'a', value: 1 }, ok([100, 0, 'n1']));
    s.observe({ op: 'write', key: 'a', value: 2 }, ok([90, 0, 'n2'])); // a coordinator with a slow clock
    s.observe({ op: 'read', key: 'a' }, { id: 2, ok: false, error: 'stale', definite: true });
    s.observe({ op: 'read', key: 'b' }, ok(undefined));
    expect(s.versionFor('a')).toEqual([100, 0, 'n1']);
    expect(s.versionFor('b')).toBeUndefined();
    expect(s.stamp({ op: 'read', key: 'b' })).toEqual({ op: 'read', key: 'b', version: true });
  });
});

describe('CatchUp', () => {
  it('resolves at once when ready, at the poke that makes it ready, or false after the wait', async () => {
    vi.useFakeTimers();
    try {
      const c = new CatchUp();
      let applied = 3;
      await expect(c.until(() => applied >= 3, 100)).resolves.toBe(true);
      const caughtUp = c.until(() => applied >= 5, 100);
      const gaveUp = c.until(() => applied >= 9, 100);
      applied = 5;
      c.poke();
      await expect(caughtUp).resolves.toBe(true);
      await vi.advanceTimersByTimeAsync(100);
      await expect(gaveUp).resolves.toBe(false);
      const abandoned = c.until(() => false, 1000);
      c.abandonAll();
      await expect(abandoned).resolves.toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});
