// What a run directory says about itself: its test, verdict, each checker's one-line summary, the
// stats checker's figures, and from run.json when it started and whether it crashed. Read defensively: a run whose controller died has no results.json, and
// any file may be truncated or hand-edited. Used by `faultline serve` and `faultline nightly`.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { jsonProblem } from './formats/json-problem.js';
import { ioMessage } from './io-error.js';
import { RUN_FILES } from './store.js';

/**
 * `incomplete`: no results.json (still running, or its controller died; `faultline check` can
 * finish it), or a history that does not stand for the whole run (results.json says why).
 */
export type RunVerdict = 'valid' | 'invalid' | 'unknown' | 'crashed' | 'incomplete';

export interface CheckerLine {
  name: string;
  verdict: 'valid' | 'invalid' | 'unknown';
  summary: string;
}

/** Latency of ok ops in ms, by f, as the stats checker records it. */
export type LatencyByF = Record<string, { p50: number; p99: number }>;

export interface RunSummary {
  test: string;
  seed?: number;
  verdict: RunVerdict;
  /** Why the run crashed, or why its files could not be read. */
  problem?: string;
  checkers: CheckerLine[];
  /** From run.json (ISO time), when the run wrote one. */
  startedAt?: string;
  durationS?: number;
  throughputPerS?: number;
  latencyMs?: LatencyByF;
}

/** Reads test.json, run.json and results.json of a run directory; never throws. */
export function readRunSummary(dir: string): RunSummary {
  const spec = readJson(join(dir, RUN_FILES.test));
  const facts = readJson(join(dir, RUN_FILES.run)).value ?? {};
  const test = typeof spec.value?.name === 'string' ? spec.value.name : basename(dirname(dir));
  const seed = typeof spec.value?.seed === 'number' ? spec.value.seed : undefined;
  const base = {
    test,
    ...(seed !== undefined && { seed }),
    ...(typeof facts.startedAt === 'string' && { startedAt: facts.startedAt }),
    ...(typeof facts.durationMs === 'number' && { durationS: facts.durationMs / 1000 }),
  };
  const results = readJson(join(dir, RUN_FILES.results));
  if (!results.value) {
    const problem = results.problem ?? `no ${RUN_FILES.results}`;
    return { ...base, verdict: 'incomplete', problem, checkers: [] };
  }
  const r = results.value;
  const checkers = Object.entries(isObject(r.results) ? r.results : {}).map(([name, sub]) => ({
    name,
    verdict: verdictOf(isObject(sub) ? sub.valid : undefined),
    summary: isObject(sub) ? String(sub.summary ?? sub.error ?? '') : '',
  }));
  const crashed = typeof facts.crashed === 'string' ? facts.crashed : undefined;
  const incomplete = typeof r.incomplete === 'string' ? r.incomplete : undefined;
  // An anomaly found in a partial history stands; anything else about a partial history is incomplete.
  const verdict = crashed !== undefined ? 'crashed' : incomplete !== undefined && r.valid !== false ? 'incomplete' : verdictOf(r.valid);
  const problem = crashed ?? incomplete;
  return {
    ...base,
    verdict,
    ...(problem !== undefined && { problem }),
    checkers,
    ...statsFigures(isObject(r.results) ? r.results.stats : undefined),
  };
}

/** Maps a checker validity to its word; anything odd is unknown. */
export function verdictOf(valid: unknown): 'valid' | 'invalid' | 'unknown' {
  return valid === true ? 'valid' : valid === false ? 'invalid' : 'unknown';
}

function statsFigures(stats: unknown): Pick<RunSummary, 'throughputPerS' | 'latencyMs'> {
  if (!isObject(stats)) return {};
  const latencyMs = Object.create(null) as LatencyByF; // keyed by f, from a file anyone may edit
  for (const [f, q] of Object.entries(isObject(stats.latencyMs) ? stats.latencyMs : {})) {
    if (isObject(q) && typeof q.p50 === 'number' && typeof q.p99 === 'number') latencyMs[f] = { p50: q.p50, p99: q.p99 };
  }
  return {
    ...(typeof stats.throughputPerS === 'number' && { throughputPerS: stats.throughputPerS }),
    ...(Object.keys(latencyMs).length > 0 && { latencyMs }),
  };
}

function readJson(path: string): { value?: Record<string, unknown>; problem?: string } {
  if (!existsSync(path)) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { problem: `${basename(path)} cannot be read: ${ioMessage(err)}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { problem: `${basename(path)} is not JSON: ${jsonProblem(text, err)}` };
  }
  return isObject(value) ? { value } : { problem: `${basename(path)} is not a JSON object` };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
