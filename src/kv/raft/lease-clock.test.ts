import { describe, expect, it } from 'vitest';
import { LeaseClock } from './lease-clock.js';
import { raftTiming } from './raft-mode.js';

describe('LeaseClock', () => {
  it('extends the lease from when the acknowledged round was sent, never from when it was acked', () => {
    const lease = new LeaseClock(200);
    expect(lease.expiresAtMs(5)).toBe(0);
    lease.noteRound(1, 1000);
    lease.noteRound(2, 1050);
    lease.noteRound(2, 1070); // same round noted again: keeps the earlier time
    lease.noteRound(4, 1100); // round 3 was never noted: an ack of 3 counts from round 2 (earlier, safe)
    expect(lease.expiresAtMs(0)).toBe(0);
    expect(lease.expiresAtMs(1)).toBe(1200);
    expect(lease.expiresAtMs(3)).toBe(1250);
    expect(lease.expiresAtMs(4)).toBe(1300);
    lease.reset();
    expect(lease.expiresAtMs(4)).toBe(0);
  });
});

describe('raftTiming', () => {
  it('keeps the lease below the minimum election timeout by a margin', () => {
    expect(raftTiming({ heartbeatMs: 50, electionTimeoutMs: { min: 300, max: 600 } })).toEqual({
      tickMs: 10,
      heartbeatTicks: 5,
      electionTicksMin: 30,
      electionTicksMax: 60,
      leaseMs: 230,
    });
    const tight = raftTiming({ heartbeatMs: 9, electionTimeoutMs: { min: 10, max: 10 } });
    expect(tight.electionTicksMin).toBeGreaterThan(tight.heartbeatTicks);
    expect(tight.leaseMs).toBeLessThan(10);
  });
});
