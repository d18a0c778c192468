// A streaming ZIP writer (PKWARE APPNOTE 6.3.x, no ZIP64): each file is deflated while it is read,
// its CRC-32 and sizes follow it in a data descriptor, and the central directory comes last. So a
// run with 64 MB write-ahead logs is zipped with one chunk in memory at a time.
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflateRaw } from 'node:zlib';

export interface ZipEntry {
  /** Path inside the archive, with `/` separators. */
  name: string;
  /** File on disk to read. */
  path: string;
  mtime: Date;
}

/** Archives of at most this many bytes per file and in total: the limits of plain (non-ZIP64) ZIP. */
export const ZIP_MAX_BYTES = 0xffff_fffe;
export const ZIP_MAX_ENTRIES = 0xffff;

const FLAGS = 0x0808; // bit 3: sizes in a data descriptor; bit 11: names are UTF-8
const DEFLATE = 8;
const VERSION = 20; // 2.0: deflate
const MADE_BY_UNIX = (3 << 8) | VERSION;
const REGULAR_FILE_0644 = (0o100644 << 16) >>> 0;

/** Yields the bytes of a ZIP archive of `entries`; throws past the limits of non-ZIP64 archives. */
export async function* zipFiles(entries: readonly ZipEntry[]): AsyncGenerator<Buffer> {
  if (entries.length > ZIP_MAX_ENTRIES) throw new Error(`${entries.length} files is too many for a ZIP without ZIP64; expected at most ${ZIP_MAX_ENTRIES}`);
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const [time, date] = dosDateTime(entry.mtime);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(VERSION, 4);
    local.writeUInt16LE(FLAGS, 6);
    local.writeUInt16LE(DEFLATE, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt16LE(name.length, 26); // crc and sizes stay 0: they are in the data descriptor
    yield local;
    yield name;

    const sums = { crc: 0, size: 0, compressed: 0 };
    yield* deflateFile(entry.path, sums);
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(sums.crc, 4);
    descriptor.writeUInt32LE(sums.compressed, 8);
    descriptor.writeUInt32LE(sums.size, 12);
    yield descriptor;

    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(MADE_BY_UNIX, 4);
    header.writeUInt16LE(VERSION, 6);
    header.writeUInt16LE(FLAGS, 8);
    header.writeUInt16LE(DEFLATE, 10);
    header.writeUInt16LE(time, 12);
    header.writeUInt16LE(date, 14);
    header.writeUInt32LE(sums.crc, 16);
    header.writeUInt32LE(sums.compressed, 20);
    header.writeUInt32LE(sums.size, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(REGULAR_FILE_0644, 38);
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    offset = checkedSize(offset + local.length + name.length + sums.compressed + descriptor.length, entry.name);
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  yield directory;
  yield end;
}

/** Streams one file through deflate, counting its CRC-32 and both sizes into `sums`. */
async function* deflateFile(path: string, sums: { crc: number; size: number; compressed: number }): AsyncGenerator<Buffer> {
  let crc = 0xffffffff;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      crc = updateCrc32(crc, chunk);
      sums.size += chunk.length;
      done(null, chunk);
    },
  });
  const deflate = createDeflateRaw();
  const piping = pipeline(createReadStream(path), count, deflate);
  piping.catch(() => {}); // the same error surfaces below, through the deflate stream
  try {
    for await (const chunk of deflate as AsyncIterable<Buffer>) {
      sums.compressed += chunk.length;
      yield chunk;
    }
    await piping;
  } finally {
    deflate.destroy();
  }
  sums.crc = (crc ^ 0xffffffff) >>> 0;
  checkedSize(Math.max(sums.size, sums.compressed), path);
}

function checkedSize(bytes: number, what: string): number {
  if (bytes > ZIP_MAX_BYTES) throw new Error(`${what}: ${bytes} bytes is too large for a ZIP without ZIP64; expected at most ${ZIP_MAX_BYTES}`);
  return bytes;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (IEEE, reflected) over `data`, continuing from a running value that starts at 0xffffffff. */
function updateCrc32(running: number, data: Uint8Array): number {
  let c = running;
  for (const byte of data) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return c >>> 0;
}

/** MS-DOS time and date words (local time, 2 s resolution, years 1980 to 2107). */
function dosDateTime(d: Date): [number, number] {
  const year = Math.min(2107, Math.max(1980, d.getFullYear()));
  const time = (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2);
  const date = ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate();
  return [time, date];
}
