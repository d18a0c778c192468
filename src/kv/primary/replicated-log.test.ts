import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { commonIndex, ReplicatedLog } from './replicated-log.js';

const log = pino({ level: 'silent' });

describe('the primary mode log', () => {
  it('finds where two logs diverge from their epoch histories', () => {
    // Both wrote 1..4 in epoch 1; one went on to 10 in epoch 1, the other wrote 5..6 in epoch 2.
    expect(commonIndex([[1, 1]], 10, [[1, 1], [2, 5]], 6)).toBe(4);
    expect(commonIndex([[1, 1], [2, 5]], 6, [[1, 1], [2, 5], [3, 7]], 9)).toBe(6);
    expect(commonIndex([[2, 1]], 3, [[1, 1]], 3)).toBe(0);
  });

  it('recovers state, epoch and history, and a resync discards what the primary never had', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'primary-log-'));
    const a = ReplicatedLog.open(dir, 'always', 3, log);
    a.setHardState(1, 'n1');
    for (let i = 0; i < 5; i++) a.propose({ op: 'counter-add', key: 'c', delta: 1 });
    expect(a.propose({ op: 'cas', key: 'c', from: 0, to: 1 }).result).toMatchObject({ ok: false, error: 'cas-mismatch' });
    await a.durable();
    a.close();
    const b = ReplicatedLog.open(dir, 'always', 3, log);
    expect({ epoch: b.epoch, vote: b.vote, last: b.last, history: b.history, c: b.state.read('c') }).toEqual({ epoch: 1, vote: 'n1', last: [5, 1], history: [[1, 1]], c: 5 });
    // The new primary (epoch 2) has only 1..3 of epoch 1, then 4 of its own.
    const discarded = b.resync({ last: [4, 2], history: [[1, 1], [2, 4]], state: [['c', 13]] });
    expect(discarded).toBe(2);
    b.close();
    expect(ReplicatedLog.open(dir, 'always', 3, log).state.read('c')).toBe(13);
  });
});
