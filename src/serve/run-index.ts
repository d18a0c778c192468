// The runs of a store, newest first: every store/<test>/<time>/ directory (not the `latest` links)
// with its summary. Summaries are cached by the mtimes of the files they come from, so listing a
// store of hundreds of runs reads only what changed.
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { readRunSummary, type RunSummary } from '../run-summary.js';
import { RUN_FILES } from '../store.js';

export interface RunEntry {
  /** The test directory's name (store/<testDir>/). */
  testDir: string;
  /** The run directory's name, a timestamp (store/<testDir>/<runDir>/). */
  runDir: string;
  path: string;
  /** When the run started, from its directory name; undefined if the name is not a timestamp. */
  startedAt?: Date;
  summary: RunSummary;
}

const cache = new Map<string, { key: string; summary: RunSummary }>();

/** Lists every run directory of the store, newest first. A missing store lists nothing. */
export function listRuns(storeDir: string): RunEntry[] {
  const runs: RunEntry[] = [];
  const seen = new Set<string>();
  for (const testDir of subdirectories(storeDir)) {
    for (const runDir of subdirectories(join(storeDir, testDir))) {
      const path = join(storeDir, testDir, runDir);
      if (!isRunDir(path)) continue;
      const startedAt = parseRunTime(runDir);
      seen.add(path);
      runs.push({ testDir, runDir, path, ...(startedAt && { startedAt }), summary: cachedSummary(path) });
    }
  }
  for (const path of cache.keys()) if (path.startsWith(storeDir) && !seen.has(path)) cache.delete(path); // removed runs
  return runs.sort((a, b) => compareRunNames(b.runDir, a.runDir) || a.testDir.localeCompare(b.testDir));
}

/** A directory written by `faultline test`: it has test.json or history.jsonl. */
export function isRunDir(path: string): boolean {
  return [RUN_FILES.test, RUN_FILES.history].some((file) => {
    try {
      return statSync(join(path, file)).isFile();
    } catch {
      return false;
    }
  });
}

/** Parses `20261123T032758` (and `20261123T032758-2`, a second run in the same second) as local time. */
export function parseRunTime(name: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:-\d+)?$/.exec(name);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return new Date(year, month - 1, day, hour, minute, second);
}

/** Orders run directory names by time, then by their `-n` suffix. */
function compareRunNames(a: string, b: string): number {
  const [stampA = '', nA = '1'] = a.split('-');
  const [stampB = '', nB = '1'] = b.split('-');
  return stampA.localeCompare(stampB) || Number(nA) - Number(nB);
}

function cachedSummary(path: string): RunSummary {
  const key = [RUN_FILES.test, RUN_FILES.run, RUN_FILES.results].map((f) => mtimeOf(join(path, f))).join('/');
  const hit = cache.get(path);
  if (hit && hit.key === key) return hit.summary;
  const summary = readRunSummary(path);
  cache.set(path, { key, summary });
  return summary;
}

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Real subdirectories (symlinks such as `latest` are skipped), sorted by name. */
function subdirectories(dir: string): string[] {
  let entries: Dirent[];
  try {
    if (!statSync(dir).isDirectory()) return [];
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}
