// Run directories: store/<test-name>/<timestamp>/ with test.json, history.jsonl, results.json,
// report.html and nodes/<node>/, plus store/latest pointing at the newest run.
import { existsSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ioMessage } from './io-error.js';

export const RUN_FILES = {
  test: 'test.json',
  history: 'history.jsonl',
  results: 'results.json',
  report: 'report.html',
  /** When the run started, how long it took, the wall-clock time of history time 0, why it crashed. */
  run: 'run.json',
  nodes: 'nodes',
  /** The smallest sub-history of an invalid run its checker still finds invalid the same way (src/shrink). */
  witness: 'witness.jsonl',
} as const;

/** Creates a fresh run directory and points store/latest (and store/<test>/latest) at it. */
export function createRunDir(storeDir: string, testName: string, now = new Date()): string {
  const base = join(storeDir, testDirName(testName));
  let dir = join(base, timestamp(now));
  for (let n = 2; existsSync(dir); n++) dir = join(base, `${timestamp(now)}-${n}`);
  mkdirSync(join(dir, RUN_FILES.nodes), { recursive: true });
  pointLatest(join(storeDir, 'latest'), dir);
  pointLatest(join(base, 'latest'), dir);
  return dir;
}

/** The directory of a test's runs in the store: its name with anything unusual replaced by `_`. */
export function testDirName(testName: string): string {
  return testName.replace(/[^A-Za-z0-9._,=+-]/g, '_');
}

/** Resolves a run directory argument, following `latest` links; throws naming what is missing. */
export function resolveRunDir(path: string): string {
  const dir = resolve(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`run directory ${path} does not exist; expected a directory like store/latest or store/<test>/<time>`);
  }
  if (!existsSync(join(dir, RUN_FILES.history))) {
    throw new Error(`${path} has no ${RUN_FILES.history}; expected a run directory written by \`faultline test\``);
  }
  return dir;
}

function pointLatest(link: string, target: string): void {
  try {
    readlinkSync(link);
    rmSync(link, { force: true });
  } catch {
    // no link yet
  }
  try {
    symlinkSync(relative(join(link, '..'), target), link);
  } catch {
    // a filesystem without symlinks: the run is still there, just not linked
  }
}

function timestamp(d: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}T${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

/**
 * Writes a whole file or nothing: the text goes to a temporary file beside it, which is renamed
 * over the target. A failure throws one line, `cannot write <path>: no space left on device`.
 */
export function writeFileWhole(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new Error(`cannot write ${path}: ${ioMessage(err)}`);
  }
}
