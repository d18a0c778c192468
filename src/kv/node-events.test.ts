import { describe, expect, it } from 'vitest';
import { parseNodeEvents } from './node-events.js';

describe('parseNodeEvents', () => {
  it('keeps the lines with an event and their details, skipping the rest', () => {
    const log = [
      '{"level":30,"time":1000,"node":"n2","msg":"kv server started"}',
      '{"level":30,"time":1200,"node":"n2","event":"failover","role":"primary","epoch":2,"votes":3,"msg":"became primary in epoch 2 with 3 votes, at index 147"}',
      'Error: a stack trace line',
      '{"level":40,"time":1300,"node":"n4","event":"rollback","discarded":114,"msg":"rolled back 114 writes"}',
    ].join('\n');
    expect(parseNodeEvents(log)).toEqual([
      { timeMs: 1200, node: 'n2', event: 'failover', message: 'became primary in epoch 2 with 3 votes, at index 147', detail: { role: 'primary', epoch: 2, votes: 3 } },
      { timeMs: 1300, node: 'n4', event: 'rollback', message: 'rolled back 114 writes', detail: { discarded: 114 } },
    ]);
  });
});
