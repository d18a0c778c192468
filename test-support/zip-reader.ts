// Reads a ZIP archive back for the tests of zip-writer.ts and serve: yauzl parses the directory
// (ZIP64 included) and inflates each entry, and each entry's CRC-32 is checked again with Node's
// zlib, an implementation apart from the writer's.
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';

export interface ZipContents {
  /** Name -> contents, in directory order. */
  files: Map<string, Buffer>;
  /** Name -> unix mode bits from the external attributes. */
  modes: Map<string, number>;
}

/** Every entry of `zip`; throws naming the first entry whose size or CRC-32 does not check out. */
export async function readZip(zip: Buffer): Promise<Map<string, Buffer>> {
  return (await readZipDetails(zip)).files;
}

/** readZip, with each entry's mode as well. */
export async function readZipDetails(zip: Buffer): Promise<ZipContents> {
  const archive = await yauzl.fromBufferPromise(zip, { strictFileNames: true, validateEntrySizes: true });
  const files = new Map<string, Buffer>();
  const modes = new Map<string, number>();
  for await (const entry of archive.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const chunk of await archive.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    const data = Buffer.concat(chunks);
    if (crc32(data) !== entry.crc32) throw new Error(`${entry.fileName}: CRC-32 ${crc32(data)}; the directory says ${entry.crc32}`);
    files.set(entry.fileName, data);
    modes.set(entry.fileName, entry.externalFileAttributes >>> 16);
  }
  return { files, modes };
}
