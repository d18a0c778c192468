// A throwaway user project for the loader's tests: files written into a fresh temp directory, with
// `define/` linked to faultline's src/define so a fixture can `import { defineFault } from './define/fault.js'`.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface UserProject {
  readonly dir: string;
  /** Writes files (path relative to the project: contents) and returns the project's directory. */
  write(files: Readonly<Record<string, string>>): string;
  remove(): void;
}

/** A new project directory; `links` maps names inside it to directories it should link to. */
export function userProject(links: Readonly<Record<string, string>> = {}): UserProject {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-user-'));
  for (const [name, target] of Object.entries(links)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    symlinkSync(target, join(dir, name), 'dir');
  }
  return {
    dir,
    write(files) {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      return dir;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
