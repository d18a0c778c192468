// Reading a small JSON file of a run directory (test.json, run.json): refused in one line, before
// reading, when it is a directory or far bigger than such a file can be; a device is not read.
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { ioMessage } from './io-error.js';

/** test.json and run.json are a few KB; anything past this is not one. */
export const MAX_STORED_JSON_BYTES = 16 * 2 ** 20;

/** The file's text; throws `cannot read <path>: <why>` (missing, a directory, a device, too big). */
export function readStoredJsonText(path: string): string {
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new Error('it is a directory');
    if (!stat.isFile()) throw new Error('it is not a regular file');
    if (stat.size > MAX_STORED_JSON_BYTES) throw new Error(`it is ${(stat.size / 2 ** 20).toFixed(0)} MiB, more than a ${basename(path)} can be`);
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${err instanceof Error && !('code' in err) ? err.message : ioMessage(err)}`);
  }
}
