// Checking keys: every key's operations, split further by the model's own partition, searched
// together in rounds (check-operations.ts), each key's verdict as plain data so it can come back
// from a worker thread.
import { mergeOutcomes, runPartitions, startPartition, type PartitionResult, type UnknownCause } from './check-operations.js';
import type { KeyGroup } from './history-operations.js';
import type { AnyModel } from './model.js';

/** A key's verdict as plain data (indices into the group's operations), so it can cross threads. */
export interface GroupVerdict {
  outcome: 'ok' | 'illegal' | 'unknown';
  cause?: UnknownCause;
  checkMs: number;
  explored: number;
  failures: { path: { op: number; stateAfter: unknown }[]; state: unknown; stuck: number[] }[];
  /** ok, when asked for (GroupCheckOptions.linearization): each partition's order, as indices into the group's operations. */
  linearization?: number[][];
}

export interface GroupCheckOptions {
  deadlineAt: number;
  memoryBytes: number;
  exhaustive: boolean;
  /** Shared flag: set to 1 when any key is illegal, so other threads can stop too. */
  stop?: Int32Array;
  /** Keep the linearization of each ok key (GroupVerdict.linearization). */
  linearization?: boolean;
}

/** Checks each key's operations; verdicts come back in the groups' order. */
export function checkGroups(model: AnyModel, groups: readonly KeyGroup[], options: GroupCheckOptions): GroupVerdict[] {
  const owner: number[] = [];
  const searches = groups.flatMap((group, g) => {
    let parts = model.partition ? model.partition(group.operations) : [group.operations];
    // One part holding every op (a keyed kv history: the key is the part) is the group itself, in order.
    if (parts.length === 1 && parts[0]!.length === group.operations.length) parts = [group.operations];
    return parts.map((part) => {
      owner.push(g);
      return startPartition(model, part, options.deadlineAt, options.memoryBytes, options.linearization ?? false);
    });
  });
  const results = runPartitions(searches, options.stop ? { exhaustive: options.exhaustive, stop: options.stop } : { exhaustive: options.exhaustive });
  const byGroup = groups.map((): PartitionResult<unknown, unknown, unknown>[] => []);
  results.forEach((r, i) => byGroup[owner[i]!]!.push(r));
  return byGroup.map((rs, g) => verdictOf(rs, groups[g]!.operations, options.linearization ?? false));
}

/** A group's verdict from its partitions' results, with indices into the group's operations. */
function verdictOf(results: PartitionResult<unknown, unknown, unknown>[], groupOps: KeyGroup['operations'], linearization: boolean): GroupVerdict {
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
  if (linearization && verdict.outcome === 'ok') verdict.linearization = results.map((r) => r.path.map((p) => toGroup(r, p.op)));
  const cause = results.find((r) => r.outcome === 'unknown')?.cause;
  if (cause && verdict.outcome === 'unknown') verdict.cause = cause;
  return verdict;
}
