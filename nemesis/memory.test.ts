import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bytesInUse, findMemoryCgroups, parseOomKills } from '../src/runtime/memory-cgroup.js';
import { oomEventLine } from '../src/runtime/oom-event.js';
import { parseNodeEvents } from '../src/kv/node-events.js';
import { placeNodeEvents } from '../reports/node-annotations.js';
import { describeSqueeze, memoryFault, memoryFractionOption, planMemoryLimit } from './memory.js';
import { HEAL_RANK } from '../src/define/fault.js';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('memory fault planning', () => {
  it('limits to whole pages, at least one, never above what is in use when the fraction is below 1', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (inUse, fraction) => {
      const limit = planMemoryLimit(inUse, fraction);
      expect(limit % 4096).toBe(0);
      expect(limit).toBeGreaterThanOrEqual(4096);
      expect(limit).toBeLessThan(Math.max(inUse * fraction, 4096) + 4096);
    }));
    expect(planMemoryLimit(60_000_000, 0.2)).toBe(12_001_280);
  });

  it('reads --memory-fraction as one fraction or several, and refuses others in one line', () => {
    expect(memoryFractionOption.parse('0.3', 'memory-fraction')).toEqual([0.3]);
    expect(memoryFractionOption.parse('0.2, 0.5,0.9', 'memory-fraction')).toEqual([0.2, 0.5, 0.9]);
    expect(memoryFractionOption.parse([0.1], 'memory-fraction')).toEqual([0.1]);
    expect(() => memoryFractionOption.parse('0', 'memory-fraction')).toThrow('--memory-fraction "0" is not valid; expected fractions above 0 and at most 1, comma separated (e.g. 0.2 or 0.2,0.5,0.9)');
    expect(() => memoryFractionOption.parse('0.5,x', 'memory-fraction')).toThrow(/^--memory-fraction "0.5,x" is not valid/);
    expect(() => memoryFractionOption.parse('1.5', 'memory-fraction')).toThrow(/not valid/);
  });

  it('describes a squeeze with the bytes in use, the limit, and why the kernel raised it', () => {
    expect(describeSqueeze('n1', 0.2, { inUseBytes: 60e6, askedBytes: 12e6, limitBytes: 12e6 })).toBe('n1 limited to 12.0 MB, 0.2 of 60.0 MB in use');
    expect(describeSqueeze('n2', 0.2, { inUseBytes: 60e6, askedBytes: 12e6, limitBytes: 61e6, raised: 'the kernel could not reclaim' })).toBe('n2 limited to 61.0 MB, 0.2 of 60.0 MB in use (asked 12.0 MB; the kernel could not reclaim)');
  });

  it('counts bytes in use without the inactive file cache, and OOM kills, from the cgroup files', () => {
    expect(bytesInUse(100_000, 'cache 50000\ntotal_inactive_file 30000\n', 1)).toBe(70_000);
    expect(bytesInUse(100_000, 'anon 60000\ninactive_file 40000\n', 2)).toBe(60_000);
    expect(bytesInUse(100, 'total_inactive_file 300\n', 1)).toBe(0);
    expect(parseOomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n')).toBe(3);
    expect(parseOomKills('low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n')).toBe(1);
    expect(parseOomKills('oom_kill_disable 0\nunder_oom 0\n')).toBe(0);
  });

  it('finds the memory hierarchy (v1 or v2), or says why memory limits cannot be made', () => {
    const v1 = mkdtempSync(join(tmpdir(), 'faultline-cg1-'));
    mkdirSync(join(v1, 'memory'));
    writeFileSync(join(v1, 'memory', 'memory.limit_in_bytes'), '9223372036854771712\n');
    expect(findMemoryCgroups(v1, 0)).toEqual({ version: 1, root: join(v1, 'memory') });
    expect(findMemoryCgroups(v1, 1000)).toBe(`memory limits need root to make cgroups under ${join(v1, 'memory')} (faultline runs as uid 1000); run as root or use --runtime docker`);
    const v2 = mkdtempSync(join(tmpdir(), 'faultline-cg2-'));
    writeFileSync(join(v2, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    expect(findMemoryCgroups(v2, 0)).toEqual({ version: 2, root: v2 });
    const none = mkdtempSync(join(tmpdir(), 'faultline-cg0-'));
    expect(findMemoryCgroups(none, 0)).toMatch(/^no cgroup memory controller under .*; use --runtime docker$/);
  });

  it('writes an OOM kill as a node event the report reads, at the controller\'s time whatever the node\'s clock', () => {
    const [event] = parseNodeEvents(oomEventLine('n2', 1_000_500, 12_000_000));
    expect(event).toMatchObject({ timeMs: 1_000_500, node: 'n2', event: 'oom-killed', message: "the kernel's OOM killer killed n2's process under its memory limit of 12.0 MB" });
    // n2's clock was 100 s ahead: its own events are moved back, the controller's are not.
    const steps = [{ atNs: 0, offsetsS: { n2: 100 }, label: 'bump' }];
    expect(placeNodeEvents([event!], 1_000_000, steps)[0]!.atNs).toBe(500e6);
  });

  it('starts nodes where their memory can be limited', () => {
    expect(memoryFault.memoryLimits).toBe(true);
    // Lifted before paused nodes resume and dead ones restart: a node squeezed when it runs again dies at once.
    expect(memoryFault.healRank).toBeLessThan(HEAL_RANK.pause);
  });
});
