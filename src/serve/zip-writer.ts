// A run directory as a streamed ZIP archive, written by yazl: each file is opened when its turn
// comes, deflated as it is read and followed by its CRC-32 and sizes, so a run with 64 MB
// write-ahead logs is zipped with a few chunks in memory at a time, straight into the response.
//
// Limits (yazl 3.x): ZIP64 records are written where needed, so plain ZIP's 4 GiB per file and per
// archive and its 65,535 files do not apply. What remains: sizes and offsets are JavaScript numbers,
// exact up to 2^53 bytes (8 PiB) per file and per archive; the central directory (about 100 bytes
// plus the name, per file) is held in memory until the end, which bounds the file count by memory
// only; a name is at most 65,535 bytes of UTF-8. Readers without ZIP64 (macOS Archive Utility)
// cannot open an archive past the plain limits.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import yazl from 'yazl';

export interface ZipEntry {
  /** Path inside the archive, with `/` separators. */
  name: string;
  /** File on disk to read. */
  path: string;
  mtime: Date;
}

export interface ZipOptions {
  /** Write ZIP64 records even where plain ZIP would do (tests use it to check readers). */
  forceZip64?: boolean;
}

const REGULAR_FILE_0644 = 0o100644;

/**
 * The bytes of a ZIP archive of `entries`, as a stream that errors, naming the file, if one cannot
 * be read. A file is opened without following a symlink put in its place since it was listed.
 */
export function zipFiles(entries: readonly ZipEntry[], options: ZipOptions = {}): Readable {
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as Readable;
  const reading = new Set<Readable>();
  for (const entry of entries) {
    const fileOptions = { mtime: entry.mtime, mode: REGULAR_FILE_0644, forceZip64Format: options.forceZip64 ?? false };
    zip.addReadStreamLazy(entry.name, fileOptions, (done) => {
      open(entry.path, constants.O_RDONLY | constants.O_NOFOLLOW).then((handle) => {
        const stream = handle.createReadStream();
        reading.add(stream);
        stream.once('close', () => reading.delete(stream));
        done(null, stream);
      }, (err: unknown) => done(err, undefined as never));
    });
  }
  zip.on('error', (err: Error) => output.destroy(err));
  // A reader that goes away (a closed download) must not leave the current file open.
  output.once('close', () => { for (const stream of reading) stream.destroy(); });
  zip.end({ forceZip64Format: options.forceZip64 ?? false, comment: '' });
  return output;
}
