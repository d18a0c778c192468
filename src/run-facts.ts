// run.json: facts about a run that neither the spec nor the history holds: when it started, which
// phase it reached, how it ended. It is rewritten at every phase, so a run whose controller died
// says where it stopped, and a re-check marks it incomplete instead of calling it valid.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult } from './checker.js';
import type { PrimaryMatch } from './first-primaries.js';
import type { ReplayTiming, UnreplayedOp } from './schedule.js';
import { readStoredJsonText } from './stored-json.js';
import { RUN_FILES, writeFileWhole } from './store.js';

export const RUN_PHASES = ['setup', 'workload', 'heal', 'final', 'teardown'] as const;
export type RunPhase = (typeof RUN_PHASES)[number];
export const RUN_ENDS = ['complete', 'interrupted', 'crashed'] as const;
export type RunEnd = (typeof RUN_ENDS)[number];

export interface RunFacts {
  /** ISO timestamp. */
  startedAt: string;
  /** The phase the run reached last (absent in runs written before phases were recorded). */
  phase?: RunPhase;
  /** How the run ended; absent while it runs, and forever when its controller died. */
  end?: RunEnd;
  durationMs?: number;
  /** Wall-clock ms at history time 0 (absent when the run stopped before its workload). */
  historyEpochMs?: number;
  crashed?: string;
  /** Where an interrupt stopped the run, and how many seconds of workload had run. */
  interrupted?: { phase: RunPhase; workloadS: number };
  /** Ops that happened but could not be written to history.jsonl. */
  lostOps?: number;
  /** Why the cluster was not ready after healing (the final reads ran against it anyway). */
  unrecovered?: string;
  /** What the db did by hand, by its manual's remedy, to a cluster that did not come back by itself after healing (db-contract.ts: RecoverableDb). */
  manualRecovery?: string;
  /** The primaries the cluster named when the workload started (a db that knows its primaries; empty: none within the wait). */
  primaries?: string[];
  /** A replay: the run it replays (its directory's absolute path), the fault ops it could not repeat, how closely it kept the timing, and whether it started with the original's primaries. */
  replay?: { of: string; unreplayed: UnreplayedOp[]; timing?: ReplayTiming; primaries?: PrimaryMatch };
}

export function writeRunFacts(dir: string, facts: RunFacts): void {
  writeFileWhole(join(dir, RUN_FILES.run), JSON.stringify(facts, null, 2) + '\n');
}

/**
 * run.json of a run directory. A run without one died before its first phase was recorded (or
 * predates run.json); a run.json that cannot be read says so. Never throws.
 */
export function readRunFacts(dir: string): RunFacts & { problem?: string } {
  const path = join(dir, RUN_FILES.run);
  const fallbackStart = (): string => {
    try {
      return statSync(join(dir, RUN_FILES.test)).mtime.toISOString();
    } catch {
      return new Date(0).toISOString();
    }
  };
  if (!existsSync(path)) return { startedAt: fallbackStart(), problem: `${RUN_FILES.run} is missing` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readStoredJsonText(path));
  } catch (err) {
    const why = err instanceof SyntaxError ? 'is not JSON (cut short?)' : `cannot be read: ${(err as Error).message.replace(/^cannot read [^:]*: /, '')}`;
    return { startedAt: fallbackStart(), problem: `${RUN_FILES.run} ${why}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { startedAt: fallbackStart(), problem: `${RUN_FILES.run} is not a JSON object` };
  }
  const o = parsed as Record<string, unknown>;
  const facts: RunFacts = { startedAt: typeof o['startedAt'] === 'string' ? o['startedAt'] : fallbackStart() };
  if (typeof o['phase'] === 'string' && (RUN_PHASES as readonly string[]).includes(o['phase'])) facts.phase = o['phase'] as RunPhase;
  if (typeof o['end'] === 'string' && (RUN_ENDS as readonly string[]).includes(o['end'])) facts.end = o['end'] as RunEnd;
  if (typeof o['durationMs'] === 'number' && Number.isFinite(o['durationMs'])) facts.durationMs = o['durationMs'];
  if (typeof o['historyEpochMs'] === 'number' && Number.isFinite(o['historyEpochMs'])) facts.historyEpochMs = o['historyEpochMs'];
  if (typeof o['crashed'] === 'string') facts.crashed = o['crashed'];
  if (typeof o['lostOps'] === 'number' && o['lostOps'] > 0) facts.lostOps = o['lostOps'];
  if (typeof o['unrecovered'] === 'string') facts.unrecovered = o['unrecovered'];
  if (typeof o['manualRecovery'] === 'string') facts.manualRecovery = o['manualRecovery'];
  if (isNodeList(o['primaries'])) facts.primaries = o['primaries'];
  const replay = o['replay'] as Record<string, unknown> | undefined;
  if (typeof replay === 'object' && replay !== null && typeof replay['of'] === 'string') {
    const match = replay['primaries'] as Record<string, unknown> | undefined;
    facts.replay = {
      of: replay['of'],
      unreplayed: Array.isArray(replay['unreplayed']) ? (replay['unreplayed'] as UnreplayedOp[]) : [],
      ...(typeof replay['timing'] === 'object' && replay['timing'] !== null && { timing: replay['timing'] as ReplayTiming }),
      ...(typeof match === 'object' && match !== null && isNodeList(match['recorded']) && isNodeList(match['got']) && typeof match['restarts'] === 'number' && {
        primaries: { recorded: match['recorded'], got: match['got'], restarts: match['restarts'] },
      }),
    };
  }
  const interrupted = o['interrupted'] as Record<string, unknown> | undefined;
  if (typeof interrupted === 'object' && interrupted !== null && typeof interrupted['workloadS'] === 'number') {
    facts.interrupted = { phase: (RUN_PHASES as readonly unknown[]).includes(interrupted['phase']) ? (interrupted['phase'] as RunPhase) : 'workload', workloadS: interrupted['workloadS'] };
  }
  // A run.json from before phases were recorded was written once, at the end of the run.
  if (facts.phase === undefined && facts.end === undefined) facts.end = facts.crashed !== undefined ? 'crashed' : 'complete';
  return facts;
}

function isNodeList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((n) => typeof n === 'string');
}

/**
 * Why a run's history cannot stand for the whole run, or undefined when it can. A history cut
 * short proves nothing about the final state: the verdict of such a run is at best unknown.
 */
export function runIncompleteReason(facts: RunFacts & { problem?: string }): string | undefined {
  if (facts.problem !== undefined) return `${facts.problem}: the controller stopped before it could record how the run ended`;
  if (facts.lostOps !== undefined) return `${facts.lostOps} ops could not be written to ${RUN_FILES.history}${facts.crashed ? ` (${facts.crashed})` : ''}`;
  switch (facts.end) {
    case undefined:
      return `the controller stopped during ${facts.phase ?? 'setup'} (killed or crashed) and never finished the run`;
    case 'interrupted': {
      const at = facts.interrupted;
      if (at?.phase === 'setup') return 'interrupted during setup, before the workload';
      return `interrupted during ${at?.phase ?? facts.phase ?? 'the run'}${at ? `, after ${at.workloadS} s of workload` : ''}; no final reads`;
    }
    case 'crashed':
      return `the run crashed: ${facts.crashed ?? 'no reason recorded'}`;
    case 'complete':
      // The final reads of a cluster that never came back prove little about its final state.
      return facts.unrecovered === undefined ? undefined : `the cluster did not recover after healing (${facts.unrecovered}), so its final reads may not show its final state`;
  }
}

/**
 * Marks a composed result incomplete: the checkers' own verdict stays in `checkersValid`, and
 * `valid` can no longer be true (an anomaly found in a partial history is still an anomaly).
 */
export function markIncomplete(results: CheckResult, reason: string): CheckResult {
  return { ...results, valid: results.valid === true ? 'unknown' : results.valid, checkersValid: results.valid, incomplete: reason };
}
