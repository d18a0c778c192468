// The zip writer against readers it does not share code with: yauzl plus Node's own CRC-32
// (test-support/zip-reader.ts), and Info-ZIP's `unzip -t` where it is installed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readZip, readZipDetails } from '../../test-support/zip-reader.js';
import { zipFiles, type ZipEntry } from './zip-writer.js';
import { systemHas, unzip } from '../../test-support/system-tests.js';

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/** The ZIP64 end of central directory record's signature, PK\x06\x06. */
const ZIP64_END = Buffer.from([0x50, 0x4b, 0x06, 0x06]);

const hasUnzip = await systemHas(unzip);

describe('zipFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-zip-'));
  const random = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 2654435761) >>> 24));
  const contents: Record<string, Buffer> = {
    'run/empty.txt': Buffer.alloc(0),
    'run/history.jsonl': Buffer.from('{"index":0,"type":"invoke"}\n'.repeat(120_000)),
    'run/nodes/n1/data.bin': random,
    'run/n\u00e9ud \u2603.log': Buffer.from('unicode name\n'),
  };
  const entries: ZipEntry[] = Object.entries(contents).map(([name, data], i) => {
    const path = join(dir, `file-${i}`);
    writeFileSync(path, data);
    return { name, path, mtime: new Date(2026, 10, 23, 3, 27, 58) };
  });

  it('writes an archive whose entries read back byte for byte, with matching CRC-32s, deflated, mode 0644', async () => {
    const zip = await collect(zipFiles(entries));
    const { files, modes } = await readZipDetails(zip);
    expect([...files.keys()]).toEqual(Object.keys(contents));
    for (const [name, data] of Object.entries(contents)) expect(files.get(name)?.equals(data), name).toBe(true);
    for (const name of Object.keys(contents)) expect(modes.get(name), name).toBe(0o100644);
    expect(zip.length).toBeLessThan(contents['run/history.jsonl']!.length / 10); // deflated, not stored
    expect(zip.includes(ZIP64_END)).toBe(false); // plain ZIP while it fits
  });

  it('writes an empty archive for no files', async () => {
    const zip = await collect(zipFiles([]));
    expect(zip.length).toBe(22);
    expect((await readZip(zip)).size).toBe(0);
  });

  it('writes ZIP64 records that the readers accept', async () => {
    const zip = await collect(zipFiles(entries, { forceZip64: true }));
    expect(zip.includes(ZIP64_END)).toBe(true);
    const files = await readZip(zip);
    for (const [name, data] of Object.entries(contents)) expect(files.get(name)?.equals(data), name).toBe(true);
  });

  it('fails, naming the file, when a file cannot be read', async () => {
    await expect(collect(zipFiles([{ name: 'gone', path: join(dir, 'missing'), mtime: new Date() }]))).rejects.toThrow(/missing/);
  });

  it('refuses a symlink put in place of a listed file, without reading its target', async () => {
    const link = join(dir, 'link-to-secret');
    symlinkSync(entries[1]!.path, link);
    await expect(collect(zipFiles([{ name: 'run/secret', path: link, mtime: new Date() }]))).rejects.toThrow(/ELOOP|symbolic link/);
  });

  it.runIf(hasUnzip)('passes `unzip -t`, plain and ZIP64, and unzip extracts the same bytes', async () => {
    for (const forceZip64 of [false, true]) {
      const path = join(dir, `run-${forceZip64}.zip`);
      writeFileSync(path, await collect(zipFiles(entries, { forceZip64 })));
      const test = execFileSync('unzip', ['-t', path], { encoding: 'utf8' });
      expect(test).toMatch(/No errors detected/);
      expect(execFileSync('unzip', ['-p', path, 'run/nodes/n1/data.bin']).equals(random)).toBe(true);
    }
  });
});
