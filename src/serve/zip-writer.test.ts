// The zip writer against a reader written from the format (zip-reader.ts, its own CRC-32), and
// against Info-ZIP's `unzip -t` where it is installed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readZip } from './zip-reader.js';
import { zipFiles } from './zip-writer.js';

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

function hasUnzip(): boolean {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('zipFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-zip-'));
  const random = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 2654435761) >>> 24));
  const contents: Record<string, Buffer> = {
    'run/empty.txt': Buffer.alloc(0),
    'run/history.jsonl': Buffer.from('{"index":0,"type":"invoke"}\n'.repeat(120_000)),
    'run/nodes/n1/data.bin': random,
    'run/n\u00e9ud \u2603.log': Buffer.from('unicode name\n'),
  };
  const entries = Object.entries(contents).map(([name, data], i) => {
    const path = join(dir, `file-${i}`);
    writeFileSync(path, data);
    return { name, path, mtime: new Date(2026, 10, 23, 3, 27, 58) };
  });

  it('writes an archive whose entries read back byte for byte, with matching CRC-32s', async () => {
    const zip = await collect(zipFiles(entries));
    const files = readZip(zip);
    expect([...files.keys()]).toEqual(Object.keys(contents));
    for (const [name, data] of Object.entries(contents)) expect(files.get(name)?.equals(data), name).toBe(true);
    expect(zip.length).toBeLessThan(contents['run/history.jsonl']!.length / 10); // deflated, not stored
  });

  it('writes an empty archive for no files', async () => {
    const zip = await collect(zipFiles([]));
    expect(zip.length).toBe(22);
    expect(readZip(zip).size).toBe(0);
  });

  it('fails, naming the file, when a file cannot be read', async () => {
    await expect(collect(zipFiles([{ name: 'gone', path: join(dir, 'missing'), mtime: new Date() }]))).rejects.toThrow(/missing/);
  });

  it.skipIf(!hasUnzip())('passes `unzip -t`, and unzip extracts the same bytes', async () => {
    const path = join(dir, 'run.zip');
    writeFileSync(path, await collect(zipFiles(entries)));
    const test = execFileSync('unzip', ['-t', path], { encoding: 'utf8' });
    expect(test).toMatch(/No errors detected/);
    expect(execFileSync('unzip', ['-p', path, 'run/nodes/n1/data.bin']).equals(random)).toBe(true);
  });
});
