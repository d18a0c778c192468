// The files of one run directory, found without following symlinks: what the run page lists and
// what the zip download contains.
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface RunFile {
  /** Path relative to the run directory, with `/` separators. */
  name: string;
  path: string;
  bytes: number;
  mtime: Date;
}

/** Every regular file under `dir`, depth first, sorted by name; symlinks and special files are left out. */
export function listRunFiles(dir: string, prefix = ''): RunFile[] {
  const files: RunFile[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const name = prefix + entry.name;
    if (entry.isDirectory()) files.push(...listRunFiles(path, `${name}/`));
    else if (entry.isFile()) {
      const stat = lstatSync(path);
      files.push({ name, path, bytes: stat.size, mtime: stat.mtime });
    }
  }
  return files;
}
