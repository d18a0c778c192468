// Node events (role changes, elections, failovers, repairs) from the nodes' logs, placed on the
// history's time axis, for the timeline's and charts' annotations (issue 4).
//
// A node logs wall-clock time as its own clock tells it. History time is nanoseconds since the
// history began, whose wall-clock start the run records (run.json: historyEpochMs). A node under a
// clock fault logs times off by its offset, so the offset the clock nemesis recorded is taken off
// (steps only: a drifting clock is corrected by its offset when the drift began).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseNodeEvents, type NodeEvent } from '../src/kv/node-events.js';
import { ioMessage } from '../src/io-error.js';
import type { History } from '../src/op.js';
import { clockSteps, offsetAtS, type ClockStep } from './clock-offsets.js';

/** A node event on the history's time axis; `atNs` may be negative (logged while the cluster started). */
export interface NodeAnnotation {
  atNs: number;
  node: string;
  event: string;
  message: string;
  detail: Record<string, unknown>;
}

/** A node's log file, as a link relative to the run directory (where report.html sits). */
export interface NodeLogLink {
  node: string;
  href: string;
  bytes: number;
}

export interface NodeLogs {
  events: NodeAnnotation[];
  logs: NodeLogLink[];
  /** Set when events could not be placed in time, saying why. */
  note?: string;
}

/** Log files larger than this are linked but not parsed for events (a debug-level log of hours). */
const maxParsedBytes = 64 * 1024 * 1024;

/** Reads nodes/<node>/node.log of a run directory, where present; other dbs' nodes may have none. */
export function readNodeLogs(runDir: string, historyEpochMs: number | undefined, history: History): NodeLogs {
  const nodesDir = join(runDir, 'nodes');
  if (!existsSync(nodesDir)) return { events: [], logs: [] };
  // Node logs only annotate the report: one that cannot be read is a note, never a failed check.
  let names: string[];
  try {
    names = readdirSync(nodesDir).sort();
  } catch (err) {
    return { events: [], logs: [], note: `no node logs: ${nodesDir} cannot be read (${ioMessage(err)})` };
  }
  const logs: NodeLogLink[] = [];
  const raw: NodeEvent[] = [];
  const unreadable: string[] = [];
  for (const node of names) {
    const path = join(nodesDir, node, 'node.log');
    try {
      if (!existsSync(path)) continue;
      const bytes = statSync(path).size;
      // The directory names the node: a log line's own `node` field may be missing (foreign dbs).
      if (bytes <= maxParsedBytes) raw.push(...parseNodeEvents(readFileSync(path, 'utf8')).map((e) => ({ ...e, node: e.node === '?' ? node : e.node })));
      logs.push({ node, href: `nodes/${encodeURIComponent(node)}/node.log`, bytes });
    } catch (err) {
      unreadable.push(`${node} (${ioMessage(err)})`);
    }
  }
  if (unreadable.length > 0) {
    const placed = readNodeLogsPlaced(raw, logs, historyEpochMs, history);
    return { ...placed, note: [placed.note, `node logs not read: ${unreadable.join(', ')}`].filter(Boolean).join('; ') };
  }
  return readNodeLogsPlaced(raw, logs, historyEpochMs, history);
}

function readNodeLogsPlaced(raw: NodeEvent[], logs: NodeLogLink[], historyEpochMs: number | undefined, history: History): NodeLogs {
  if (raw.length > 0 && historyEpochMs === undefined) {
    return { events: [], logs, note: `${raw.length} node events not placed on the timeline: this run has no run.json with the history's start time` };
  }
  return { events: placeNodeEvents(raw, historyEpochMs ?? 0, clockSteps(history)), logs };
}

/** Puts events on the history's time axis, taking each node's recorded clock offset off, in time order. */
export function placeNodeEvents(events: readonly NodeEvent[], historyEpochMs: number, steps: readonly ClockStep[]): NodeAnnotation[] {
  return events
    .map((e) => {
      // An event the controller wrote (an OOM kill) carries the controller's real time.
      const loggedNs = (e.timeMs - historyEpochMs) * 1e6;
      const atNs = Math.round(e.detail['clock'] === 'controller' ? loggedNs : trueTimeNs(loggedNs, e.node, steps));
      return { atNs, node: e.node, event: e.event, message: e.message, detail: e.detail };
    })
    .sort((a, b) => a.atNs - b.atNs);
}

/**
 * When a node logged `loggedNs` by its own clock: the first clock step whose offset, taken off,
 * lands inside that step (a clock set back makes some times ambiguous; the earlier reading wins).
 */
function trueTimeNs(loggedNs: number, node: string, steps: readonly ClockStep[]): number {
  for (let k = 0; k < steps.length; k++) {
    const atNs = loggedNs - (steps[k]!.offsetsS[node] ?? 0) * 1e9;
    const from = k === 0 ? -Infinity : steps[k]!.atNs;
    const to = k + 1 < steps.length ? steps[k + 1]!.atNs : Infinity;
    if (atNs >= from && atNs < to) return atNs;
  }
  return loggedNs - offsetAtS(steps, node, loggedNs) * 1e9;
}
