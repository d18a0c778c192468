// One key's check: the model's own partitions of the key's operations, searched one by one, and
// the verdict as plain data so it can come back from a worker thread.
import { checkPartition, mergeOutcomes, type PartitionResult } from './check-operations.js';
import type { KeyGroup } from './history-operations.js';
import type { AnyModel } from './model.js';

/** A key's verdict as plain data (indices into the group's operations), so it can cross threads. */
export interface GroupVerdict {
  outcome: 'ok' | 'illegal' | 'unknown';
  cause?: 'timeout' | 'memory';
  checkMs: number;
  explored: number;
  failures: { path: { op: number; stateAfter: unknown }[]; state: unknown; stuck: number[] }[];
}

/** Checks one key's operations, splitting further by the model's own partition. */
export function checkGroup(model: AnyModel, group: KeyGroup, deadlineAt: number, memoryBytes: number): GroupVerdict {
  const parts = model.partition ? model.partition(group.operations) : [group.operations];
  const results = parts.map((part) => checkPartition(model, part, deadlineAt, memoryBytes));
  return verdictOf(results, group.operations);
}

/** A group's verdict from its partitions' results, with indices into the group's operations. */
function verdictOf(results: PartitionResult<unknown, unknown, unknown>[], groupOps: KeyGroup['operations']): GroupVerdict {
  let position: Map<unknown, number> | undefined;
  const toGroup = (r: PartitionResult<unknown, unknown, unknown>, i: number): number => {
    if (r.operations === groupOps) return i;
    position ??= new Map(groupOps.map((op, j) => [op, j]));
    return position.get(r.operations[i]!)!;
  };
  const verdict: GroupVerdict = {
    outcome: mergeOutcomes(results.map((r) => r.outcome)),
    checkMs: results.reduce((sum, r) => sum + r.checkMs, 0),
    explored: results.reduce((sum, r) => sum + r.explored, 0),
    failures: results
      .filter((r) => r.outcome === 'illegal')
      .map((r) => ({ path: r.path.map((p) => ({ op: toGroup(r, p.op), stateAfter: p.stateAfter })), state: r.state, stuck: r.stuck.map((s) => toGroup(r, s)) })),
  };
  const cause = results.find((r) => r.cause)?.cause;
  if (cause) verdict.cause = cause;
  return verdict;
}

