// The schedule of a run and its replay on virtual time: each thread issues its own ops again in
// order, no earlier than their recorded offsets; fault starts carry what they did; failed starts
// are named, not replayed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { timeLimit } from './generator.js';
import type { Op } from './op.js';
import { readSchedule, replayedValue, replayGenerator, replayTiming, scheduleOf, writeSchedule } from './schedule.js';
import { simulate } from './simulate.js';
import { recordedTargets } from '../nemesis/targets.js';

const ms = 1e6;
let index = 0;
const op = (time: number, process: Op['process'], type: Op['type'], f: string, value: unknown, node?: string): Op => ({ index: index++, time, process, type, f, value, ...(node && { node }) });

// Two client threads (concurrency 2: process 2 is thread 0 again, after process 0 crashed), and the nemesis.
const history: Op[] = [
  op(1 * ms, 0, 'invoke', 'write', [1, 5], 'n1'),
  op(2 * ms, 1, 'invoke', 'read', [1, null], 'n2'),
  op(3 * ms, 'nemesis', 'invoke', 'start-kill', null),
  op(4 * ms, 1, 'ok', 'read', [1, null], 'n2'),
  op(5 * ms, 0, 'info', 'write', [1, 5], 'n1'),
  op(6 * ms, 'nemesis', 'info', 'start-kill', { target: 'one', nodes: ['n2'], skipped: { n3: 'not running' }, description: 'n2' }),
  op(7 * ms, 2, 'invoke', 'cas', [1, [5, 6]], 'n1'),
  op(8 * ms, 'nemesis', 'invoke', 'start-partition', null),
  op(9 * ms, 2, 'ok', 'cas', [1, [5, 6]], 'n1'),
  op(10 * ms, 'nemesis', 'fail', 'start-partition', null),
  // After the main phase (10.5 ms): the heal and the final reads are not part of the schedule.
  op(11 * ms, 'nemesis', 'invoke', 'stop-kill', null),
  op(12 * ms, 'nemesis', 'info', 'stop-kill', { nodes: ['n2'] }),
  op(13 * ms, 1, 'invoke', 'read', [1, null], 'n2'),
  op(14 * ms, 1, 'ok', 'read', [1, 6], 'n2'),
];

describe('scheduleOf', () => {
  it('keeps the main-phase invokes with their threads, offsets and nodes, and each fault op\'s completion', () => {
    const schedule = scheduleOf(history, 2, 10.5 * ms);
    expect(schedule.ops.map((o) => [o.offsetNs / ms, o.thread, o.process, o.f, o.node ?? '-'])).toEqual([
      [1, 0, 0, 'write', 'n1'], [2, 1, 1, 'read', 'n2'], [3, 'nemesis', 'nemesis', 'start-kill', '-'], [7, 0, 2, 'cas', 'n1'], [8, 'nemesis', 'nemesis', 'start-partition', '-'],
    ]);
    expect(schedule.ops[2]).toMatchObject({ outcome: 'info', done: { nodes: ['n2'] } });
    expect(schedule.ops[4]).toMatchObject({ outcome: 'fail' });
    expect(schedule.ops[4]!.done).toBeUndefined();
  });
});

describe('replayGenerator', () => {
  it('issues every thread its own ops in order, no earlier than recorded, and hands fault starts what they did', async () => {
    const schedule = scheduleOf(history, 2, 10.5 * ms);
    const { generator, unreplayed } = replayGenerator(schedule);
    expect(unreplayed).toEqual([{ index: 5, f: 'start-partition', why: 'it failed the first time' }]);
    // Ops take 7 ms here: thread 0's cas (recorded at 7 ms) waits for its write to end at 8 ms.
    const replayed = await simulate(timeLimit(10.5 * ms, generator), { concurrency: 2, nemesis: true, latencyNs: 7 * ms });
    const invokes = replayed.filter((o) => o.type === 'invoke');
    // Each client op goes to the node it went to the first time (a session's op may go to another node than its thread's).
    expect(invokes.map((o) => [o.time / ms, o.process, o.f, o.value, o.node ?? '-'])).toEqual([
      [1, 0, 'write', [1, 5], 'n1'],
      [2, 1, 'read', [1, null], 'n2'],
      [3, 'nemesis', 'start-kill', { replay: { target: 'one', nodes: ['n2'], skipped: { n3: 'not running' }, description: 'n2' } }, '-'],
      [8, 0, 'cas', [1, [5, 6]], 'n1'],
    ]);
    const kill = invokes[2]!;
    expect(recordedTargets(kill)).toEqual({ kind: 'one', nodes: ['n2', 'n3'] });
    expect(replayedValue({ value: null })).toBeUndefined();
  });

  it('measures how late each op of the replay was, and the ops it never issued', () => {
    const schedule = scheduleOf(history, 2, 10.5 * ms);
    const late = { ...schedule, ops: schedule.ops.filter((o) => o.f !== 'cas').map((o) => ({ ...o, offsetNs: o.offsetNs + (o.thread === 0 ? 4 * ms : 0) })) };
    // The write 4 ms late, the read and the kill on time; the cas never issued; the failed partition not counted.
    expect(replayTiming(schedule, late)).toEqual({ ops: 3, missing: 1, lagMs: { p50: 0, p99: 4, max: 4 } });
  });
});

describe('schedule.jsonl', () => {
  it('round-trips, and a wrong line is named with what was expected', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-schedule-'));
    const schedule = scheduleOf(history, 2, 10.5 * ms);
    writeSchedule(join(dir, 'schedule.jsonl'), schedule);
    expect(readSchedule(join(dir, 'schedule.jsonl'))).toEqual(schedule);
    writeFileSync(join(dir, 'bad.jsonl'), '{"schedule":1,"mainPhaseNs":5}\n{"offsetNs":1,"thread":"x","f":"read"}\n');
    expect(() => readSchedule(join(dir, 'bad.jsonl'))).toThrow(/bad\.jsonl line 2: expected offsetNs \(a number\), thread \(a whole number or "nemesis"\) and f \(a string\)$/);
    expect(() => readSchedule(join(dir, 'none.jsonl'))).toThrow(/none\.jsonl: it does not exist \(runs before schedules were recorded have none\)$/);
  });
});
