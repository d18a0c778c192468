// Which modules a Node process loads: runs `node --import <recorder> ...args` and returns every
// module URL the ES loader loaded and every file CommonJS required, so a test can assert what a
// command does not load (docs/DESIGN.md, "Heavy modules load on use"). No timing: what is loaded.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Registered with --import: ES modules through a load hook (its own thread), CommonJS from require.cache at exit. */
const RECORDER = `
import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
const out = process.env.FAULTLINE_LOADED_MODULES;
register('./hooks.mjs', import.meta.url, { data: { out } });
const require = createRequire(import.meta.url);
process.on('exit', () => appendFileSync(out, Object.keys(require.cache).map((file) => 'cjs ' + file + '\\n').join('')));
`;

const HOOKS = `
import { appendFileSync } from 'node:fs';
let out;
export function initialize(data) { out = data.out; }
export async function load(url, context, next) {
  appendFileSync(out, 'esm ' + url + '\\n');
  return next(url, context);
}
`;

export interface LoadedModules {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** File paths (ES module URLs turned into paths where they are files), each once. */
  modules: string[];
}

/** Runs `node ...args` in `cwd` and lists the modules it loaded. */
export function loadedModules(args: readonly string[], cwd: string): Promise<LoadedModules> {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-loaded-'));
  writeFileSync(join(dir, 'recorder.mjs'), RECORDER);
  writeFileSync(join(dir, 'hooks.mjs'), HOOKS);
  const out = join(dir, 'loaded.txt');
  writeFileSync(out, '');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', pathToFileURL(join(dir, 'recorder.mjs')).href, ...args], { cwd, env: { ...process.env, FAULTLINE_LOADED_MODULES: out } }, (err, stdout, stderr) => {
      const exitCode = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      if (exitCode === -1) return reject(err);
      const modules = readFileSync(out, 'utf8').split('\n').filter((line) => line !== '').map((line) => {
        const where = line.slice(4);
        return where.startsWith('file://') ? new URL(where).pathname : where;
      });
      resolve({ exitCode, stdout, stderr, modules: [...new Set(modules)] });
    });
  });
}

/** The npm packages among `modules` (by their node_modules directory, scoped names whole). */
export function packagesIn(modules: readonly string[]): string[] {
  const names = modules.flatMap((path) => {
    const match = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
    return match ? [match[1] as string] : [];
  });
  return [...new Set(names)].sort();
}
