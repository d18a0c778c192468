// An append-only file of CRC-checked records ([u32 length][u32 crc32][payload]) for write-ahead logs.
// Reading stops at the first incomplete or corrupt record: after a SIGKILL mid-write only the tail
// can be torn, and the caller truncates it away before appending again. A bad record with a valid
// one after it is no torn tail but damage in the middle (a flipped bit): reading refuses the file
// rather than drop the records after it, which the node may have acknowledged.
import { closeSync, existsSync, fdatasyncSync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';

const HEADER_BYTES = 8;
/** No record may claim more than this; a larger length is corruption, not data. */
const MAX_RECORD_BYTES = 1 << 30;

/** What a scan of a record file found. */
export interface RecordScan {
  records: Buffer[];
  /** Bytes of complete, valid records from the start of the file. */
  validBytes: number;
  /** Bytes after the last valid record (a torn tail), 0 when the file is clean. */
  tornBytes: number;
}

/** Reads every valid record of `path` (an absent file has none). */
export function scanRecords(path: string): RecordScan {
  if (!existsSync(path)) return { records: [], validBytes: 0, tornBytes: 0 };
  const bytes = readFileSync(path);
  const records: Buffer[] = [];
  let offset = 0;
  while (offset + HEADER_BYTES <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const sum = bytes.readUInt32BE(offset + 4);
    const end = offset + HEADER_BYTES + length;
    if (length > MAX_RECORD_BYTES || end > bytes.length) break;
    const payload = bytes.subarray(offset + HEADER_BYTES, end);
    if (crc32(payload) !== sum) break;
    records.push(payload);
    offset = end;
  }
  if (offset < bytes.length) {
    const next = nextValidRecord(bytes, offset + 1);
    if (next !== undefined) {
      throw new Error(`${path}: the record at byte ${offset} (after ${records.length} valid records) is corrupt, but a valid record follows at byte ${next}: the file is damaged in the middle, not torn at its end; refusing to drop the ${bytes.length - offset} bytes after it`);
    }
  }
  return { records, validBytes: offset, tornBytes: bytes.length - offset };
}

/**
 * The offset of the first complete record with a matching checksum at or after `from`, if any.
 * Empty records do not count (a zeroed region would be full of them); a payload is JSON text in
 * both logs, so few offsets read as a plausible length and the search stays close to linear.
 */
function nextValidRecord(bytes: Buffer, from: number): number | undefined {
  for (let at = from; at + HEADER_BYTES < bytes.length; at++) {
    const length = bytes.readUInt32BE(at);
    const end = at + HEADER_BYTES + length;
    if (length === 0 || end > bytes.length) continue;
    if (crc32(bytes.subarray(at + HEADER_BYTES, end)) === bytes.readUInt32BE(at + 4)) return at;
  }
  return undefined;
}

/** Frames payloads as records, ready to append in one write. */
export function frameRecords(payloads: Buffer[]): Buffer {
  const frames: Buffer[] = [];
  for (const payload of payloads) {
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeUInt32BE(payload.length, 0);
    header.writeUInt32BE(crc32(payload), 4);
    frames.push(header, payload);
  }
  return Buffer.concat(frames);
}

/** An open record file for appending; truncates a torn tail first. */
export class RecordWriter {
  private fd: number;

  constructor(readonly path: string, validBytes: number) {
    this.fd = openSync(path, 'a+');
    ftruncateSync(this.fd, validBytes);
  }

  /** Appends the payloads in a single write (not yet durable: call sync()). */
  append(payloads: Buffer[]): void {
    const data = frameRecords(payloads);
    let written = 0;
    while (written < data.length) written += writeSync(this.fd, data, written);
  }

  /** Makes everything appended so far durable. */
  sync(): void {
    fdatasyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Atomically replaces the file's contents with `payloads` (write a temp file, fsync, rename). */
  replace(payloads: Buffer[]): void {
    const tmp = `${this.path}.tmp`;
    writeFileDurably(tmp, frameRecords(payloads));
    closeSync(this.fd);
    renameSync(tmp, this.path);
    syncDirectory(dirname(this.path));
    this.fd = openSync(this.path, 'a');
  }
}

/** Writes a whole file and fsyncs it. */
export function writeFileDurably(path: string, data: Buffer | string): void {
  const fd = openSync(path, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces `path` atomically and durably with `data`. */
export function replaceFileDurably(path: string, data: Buffer | string): void {
  const tmp = `${path}.tmp`;
  writeFileDurably(tmp, data);
  renameSync(tmp, path);
  syncDirectory(dirname(path));
}

/** Fsyncs a directory so a rename or a new file in it survives a crash. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
