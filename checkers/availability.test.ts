import { describe, expect, it } from 'vitest';
import { checkAvailability } from './availability.js';
import { historyBuilder } from '../test-support/history-builder.js';

describe('availability checker', () => {
  const h = historyBuilder()
    .run(0, 'read', null, 1)
    .run(1, 'write', 2)
    .nemesis('start-partition', 'n1 | n2 n3')
    .run(0, 'read', null, undefined, 'fail')
    .run(1, 'write', 3, undefined, 'info')
    .run(2, 'read', null, 3)
    .nemesis('stop-partition')
    .run(0, 'read', null, 3)
    .invoke(2, 'write', 4);

  it('gives the ok share overall, by f, outside faults and in each fault window', () => {
    const r = checkAvailability(h.history);
    expect(r.valid).toBe(true);
    expect(r.overall).toEqual({ ops: 7, ok: 4, fail: 1, info: 2, okShare: 4 / 7 });
    expect(r.byF.write).toEqual({ ops: 3, ok: 1, fail: 0, info: 2, okShare: 1 / 3 });
    expect(r.outsideFaults).toMatchObject({ ops: 4, ok: 3 });
    expect(r.windows).toHaveLength(1);
    expect(r.windows[0]).toMatchObject({ fault: 'partition', label: 'partition n1 | n2 n3', ops: 3, ok: 1, fail: 1, info: 1 });
    expect(r.summary).toBe('57.1% of 7 ops ok; 75.0% outside faults, 33.3% during partition n1 | n2 n3 (the worst of 1 fault windows)');
  });

  it('is invalid when a share falls below minOkShare, naming where', () => {
    const r = checkAvailability(h.history, { minOkShare: 0.5 });
    expect(r.valid).toBe(false);
    expect(r.summary).toMatch(/below the required 50\.0%: partition n1 \| n2 n3$/);
    expect(() => checkAvailability(h.history, { minOkShare: 2 })).toThrow(/minOkShare 2 is not a share/);
  });

  it('is unknown without client ops', () => {
    expect(checkAvailability([]).valid).toBe('unknown');
  });
});
