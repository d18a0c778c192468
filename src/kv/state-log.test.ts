import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { StateLog } from './state-log.js';

const log = pino({ level: 'silent' });

describe('StateLog', () => {
  it('recovers the records after the latest snapshot, dropping a torn tail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-log-'));
    const { wal } = StateLog.open<number>(dir, 'm', 'always', log);
    wal.append(1);
    wal.append(2);
    await wal.durable();
    wal.compact({ sum: 3 });
    wal.append(4);
    await wal.durable();
    wal.close();
    appendFileSync(join(dir, 'm.wal'), Buffer.from([0, 0, 0, 9, 1, 2])); // half a record, as a SIGKILL mid-write leaves
    const { wal: again, recovered } = StateLog.open<number>(dir, 'm', 'always', log);
    expect(recovered).toEqual({ snapshot: { sum: 3 }, records: [4] });
    again.append(5);
    again.close();
    expect(StateLog.open<number>(dir, 'm', 'never', log).recovered.records).toEqual([4, 5]);
  });

  it('skips a log older than the snapshot (a crash between writing the snapshot and replacing the log)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'state-log-'));
    const { wal } = StateLog.open<string>(dir, 'm', 'never', log);
    wal.append('old');
    wal.close();
    const oldLog = readFileSync(join(dir, 'm.wal'));
    const { wal: w2 } = StateLog.open<string>(dir, 'm', 'never', log);
    w2.compact(['old']);
    w2.close();
    writeFileSync(join(dir, 'm.wal'), oldLog);
    expect(StateLog.open<string>(dir, 'm', 'never', log).recovered).toEqual({ snapshot: ['old'], records: [] });
  });
});
