// Schedule shrinking against a known cause: the search keeps what the failure needs and drops
// the rest, and stops when the budget is spent.
import { describe, expect, it } from 'vitest';
import type { Schedule, ScheduledOp } from './schedule.js';
import { episodes, shrinkSchedule, sizeOf, type ShrinkCandidate } from './shrink-schedule.js';

const s = 1e9;
function fault(offsetS: number, f: string, nodes: string[]): ScheduledOp {
  return { offsetNs: offsetS * s, thread: 'nemesis', process: 'nemesis', f, value: null, outcome: 'info', done: { nodes } };
}
function client(offsetS: number, thread: number): ScheduledOp {
  return { offsetNs: offsetS * s, thread, process: thread, f: 'write', value: [0, offsetS], node: `n${(thread % 3) + 1}` };
}

// 30 s, 6 threads writing every second, four kill episodes; the "bug" needs the kill of n2 at 12 s and a write by thread 4 after it.
const ops: ScheduledOp[] = [];
for (let t = 0; t < 30; t++) for (let thread = 0; thread < 6; thread++) ops.push(client(t + thread / 10, thread));
ops.push(fault(3, 'start-kill', ['n1']), fault(5, 'stop-kill', ['n1']), fault(12, 'start-kill', ['n2']), fault(14, 'stop-kill', ['n2']));
ops.push(fault(18, 'start-kill', ['n3']), fault(20, 'stop-kill', ['n3']), fault(24, 'start-kill', ['n1', 'n2']), fault(26, 'stop-kill', ['n1', 'n2']));
ops.sort((a, b) => a.offsetNs - b.offsetNs);
const start: ShrinkCandidate = { timeLimitS: 30, schedule: { mainPhaseNs: 30 * s, ops } };

const fails = (c: ShrinkCandidate): boolean => {
  const kill = c.schedule.ops.find((op) => op.f === 'start-kill' && (op.done as { nodes: string[] }).nodes.join() === 'n2');
  return kill !== undefined && c.schedule.ops.some((op) => op.thread === 4 && op.offsetNs > kill.offsetNs);
};

describe('shrinkSchedule', () => {
  it('keeps the one fault episode and the one thread the failure needs, in a shorter run', async () => {
    let replays = 0;
    const out = await shrinkSchedule(start, async (c) => (replays++, fails(c)), () => false);
    expect(fails(out.best)).toBe(true);
    expect(out.outOfBudget).toBe(false);
    expect(sizeOf(out.best)).toMatchObject({ faults: 1, threads: 1, nodes: ['n2'] });
    expect(out.best.timeLimitS).toBeLessThanOrEqual(15);
    expect(out.best.timeLimitS).toBeGreaterThan(12);
    expect(episodes(out.best.schedule)).toHaveLength(1);
    expect(out.steps.length).toBe(replays);
    expect(replays).toBeLessThan(40);
  });

  it('stops at the budget and says so, keeping the smallest failing candidate found so far', async () => {
    let replays = 0;
    const out = await shrinkSchedule(start, async (c) => (replays++, fails(c)), () => replays >= 3);
    expect(out.outOfBudget).toBe(true);
    expect(out.steps).toHaveLength(3);
    expect(fails(out.best)).toBe(true);
  });

  it('never proposes a candidate that drops nothing, and keeps the start when nothing smaller fails', async () => {
    const out = await shrinkSchedule(start, async () => false, () => false);
    expect(out.best).toBe(start);
    for (const step of out.steps) expect(step.size.ops < sizeOf(start).ops || step.size.faults < sizeOf(start).faults).toBe(true);
  });
});
