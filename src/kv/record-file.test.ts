// A torn tail (a cut anywhere, a bad last record) is dropped; a flipped bit in any record but the
// last is refused, since dropping the records after it would lose what the node acknowledged.
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { frameRecords, scanRecords } from './record-file.js';

const dir = mkdtempSync(join(tmpdir(), 'record-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, 'x.wal');

const payloads = fc.array(fc.jsonValue().map((v) => Buffer.from(JSON.stringify({ r: v }))), { minLength: 2, maxLength: 8 });

/** Byte offsets where each record starts, and the file's length. */
function starts(records: Buffer[]): number[] {
  const at = [0];
  for (const r of records) at.push((at.at(-1) as number) + 8 + r.length);
  return at;
}

describe('record file', () => {
  it('drops a tail cut anywhere, keeping every record that ends before the cut', () => {
    fc.assert(fc.property(payloads, fc.nat(), (records, n) => {
      const file = frameRecords(records);
      const cut = n % file.length;
      writeFileSync(path, file.subarray(0, cut));
      const scan = scanRecords(path);
      const kept = starts(records).filter((end, i) => i > 0 && end <= cut).length;
      expect(scan.records).toEqual(records.slice(0, kept));
      expect(scan.validBytes + scan.tornBytes).toBe(cut);
    }));
  });

  it('refuses a file with a flipped bit in any record but the last, naming the bad record', () => {
    fc.assert(fc.property(payloads, fc.nat(), fc.integer({ min: 0, max: 7 }), (records, n, bit) => {
      const file = frameRecords(records);
      const bounds = starts(records);
      const lastStart = bounds[records.length - 1] as number;
      const offset = n % lastStart;
      file[offset] = (file[offset] as number) ^ (1 << bit);
      writeFileSync(path, file);
      const bad = bounds.filter((s) => s <= offset).at(-1) as number;
      expect(() => scanRecords(path)).toThrow(new RegExp(`the record at byte ${bad} \\(after \\d+ valid records\\) is corrupt, but a valid record follows at byte \\d+`));
    }));
  });

  it('treats a flipped bit in the last record as a torn tail', () => {
    fc.assert(fc.property(payloads, fc.nat(), fc.integer({ min: 0, max: 7 }), (records, n, bit) => {
      const file = frameRecords(records);
      const lastStart = starts(records)[records.length - 1] as number;
      const offset = lastStart + (n % (file.length - lastStart));
      file[offset] = (file[offset] as number) ^ (1 << bit);
      writeFileSync(path, file);
      const scan = scanRecords(path);
      expect(scan.records).toEqual(records.slice(0, -1));
      expect(scan.validBytes).toBe(lastStart);
    }));
  });
});
