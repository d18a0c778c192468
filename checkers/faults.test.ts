import { describe, expect, it } from 'vitest';
import type { Op } from '../src/op.js';
import { faults, type FaultsResult } from './faults.js';

let index = 0;
function nemesisOp(f: string, error?: string): Op[] {
  const time = index;
  return [
    { index: index++, time, process: 'nemesis', type: 'invoke', f, value: null },
    { index: index++, time: time + 1, process: 'nemesis', type: 'info', f, value: null, ...(error !== undefined && { error }) },
  ];
}
/** The test context of a spec requesting these faults (as test.json holds them since specVersion 2). */
const test = (nemesis: string[]) => ({ test: { nemesis: { faults: nemesis.map((name) => ({ name })), intervalS: 5 } } });

describe('faults checker', () => {
  it('is valid when every requested fault took effect, and counts what failed', async () => {
    const h = [...nemesisOp('start-partition'), ...nemesisOp('stop-partition'), ...nemesisOp('start-kill', 'docker kill timed out'), ...nemesisOp('start-kill'), ...nemesisOp('stop-kill')];
    const r = (await faults(h, test(['partition', 'kill']))) as FaultsResult;
    expect(r.valid).toBe(true);
    expect(r.faults['kill']).toMatchObject({ applied: 1, failed: 1, stopped: 1 });
    expect(r.summary).toContain('1 of 2 kill ops failed (docker kill timed out)');
  });

  it('is not valid when a requested fault never took effect', async () => {
    const missing = 'clock faults on the local runtime need libfaketime';
    const h = [...nemesisOp('start-partition'), ...nemesisOp('start-clock', missing), ...nemesisOp('stop-clock'), ...nemesisOp('start-clock', missing)];
    const r = (await faults(h, test(['partition', 'clock']))) as FaultsResult;
    expect(r.valid).toBe('unknown');
    expect(r.neverApplied).toEqual(['clock']);
    expect(r.summary).toContain(`clock never took effect: 2 of 2 start ops failed (${missing})`);
    // A test.json from before specVersion 2 listed the names themselves.
    expect(((await faults(h, { test: { nemesis: ['partition', 'clock'] } })) as FaultsResult).neverApplied).toEqual(['clock']);
  });

  it('is not valid when a requested fault never started at all', async () => {
    const r = await faults(nemesisOp('start-partition'), test(['partition', 'pause']));
    expect(r.valid).toBe('unknown');
    expect(r.summary).toContain('pause never started');
  });

  it('names stop ops that failed: the fault may still have been in effect', async () => {
    const r = await faults([...nemesisOp('start-pause'), ...nemesisOp('stop-pause', 'unpause hung')], test(['pause']));
    expect(r.valid).toBe(true);
    expect(r.summary).toContain('1 stop-pause ops failed (unpause hung)');
  });

  it('is valid with no faults requested and none run', async () => {
    expect(await faults([], test([]))).toMatchObject({ valid: true, summary: 'no faults requested' });
  });
});
