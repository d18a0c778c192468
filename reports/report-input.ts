// What the report is rendered from: the resolved spec, the history, the composed results and facts about the run.
import type { PrimaryMatch } from '../src/first-primaries.js';
import type { ReportSection } from '../src/define/workload.js';
import type { CheckResult } from '../src/checker.js';
import type { History } from '../src/op.js';
import type { ReplayTiming } from '../src/schedule.js';
import type { NodeAnnotation, NodeLogLink } from './node-annotations.js';

/** Everything one report page needs; all of it is plain data read from a run directory or a live run. */
export interface ReportInput {
  /** The resolved test spec (name, nodes, concurrency, timeLimitS, workload, nemesis, seed, ...). */
  test: Record<string, unknown>;
  /** All ops, client and nemesis. */
  history: History;
  /** The composed result: `{ valid, results: { [checkerName]: CheckResult } }`. */
  results: CheckResult;
  run: {
    dir: string;
    /** ISO timestamp. */
    startedAt: string;
    durationMs: number;
    replayCommand: string;
    recheckCommand: string;
    /** `faultline test --replay <this run>`: its schedule again. */
    scheduleReplayCommand?: string;
    /** Set when this run replays another: the original's report (a path relative to this run's directory), the timing kept, the fault ops not replayed. */
    replayOf?: { report: string; timing?: ReplayTiming; unreplayed: number; primaries?: PrimaryMatch };
    /** Set when the run crashed: the error, shown instead of (or next to) the verdict. */
    crashed?: string;
    /** Set when the history does not stand for the whole run (interrupted, controller died, lost ops): why. */
    incomplete?: string;
    /** Set when the db applied its manual remedy to a cluster that did not recover by itself after healing: what it did. */
    manualRecovery?: string;
  };
  /** Node events from the nodes' logs (elections, failovers, ...), on the history's time axis; see node-annotations.ts. */
  nodeEvents?: NodeAnnotation[];
  /** Links to the nodes' log files, relative to the run directory. */
  nodeLogs?: NodeLogLink[];
  /** Why node events are missing, when they are. */
  nodeEventsNote?: string;
  /** The witness of an invalid run as witness.jsonl holds it, or why it could not be read (results.witness says what it is). */
  witness?: History | string;
  /** The workload's own report sections, by checker name (its definition's `report`). */
  sections?: Readonly<Record<string, ReportSection>>;
}
