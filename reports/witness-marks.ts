// The ops the timeline marks: each checker's first witness (the stuck op, the shortest cycle's
// transactions, the read that lost an element, the first bad read, ...), by invocation index.
import type { CheckResult, WitnessOp } from '../src/checker.js';
import { isWitnessOp } from './witness-table.js';

export interface WitnessMark {
  opIndex: number;
  label: string;
}

/** Most marks per checker: enough to find the problem, few enough to stay marks. */
const maxPerChecker = 10;

/** Marks for every checker result that holds witnesses in a known place. */
export function witnessMarks(checkers: Record<string, CheckResult>): WitnessMark[] {
  return Object.entries(checkers).flatMap(([name, r]) =>
    firstWitnesses(r)
      .slice(0, maxPerChecker)
      .map(({ op, why }) => ({ opIndex: Number(op.index), label: `${name}: ${why}: ${op.description}` })),
  );
}

function firstWitnesses(r: CheckResult): { op: WitnessOp; why: string }[] {
  const out: { op: unknown; why: string }[] = [];
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  list(r.failures).forEach((f, i) => out.push({ op: (list((f as { stuck?: unknown }).stuck)[0] as { op?: unknown } | undefined)?.op, why: `could not be linearized (failure ${i + 1})` }));
  if (typeof r.anomalies === 'object' && r.anomalies !== null) {
    const cycles = Object.values(r.anomalies).flatMap(list).filter((a) => Array.isArray((a as { cycle?: unknown }).cycle)) as { cycle: unknown[]; type: string }[];
    const shortest = cycles.sort((a, b) => a.cycle.length - b.cycle.length)[0];
    shortest?.cycle.forEach((op, i) => out.push({ op, why: `T${i + 1} of the shortest ${shortest.type} cycle` }));
  }
  list(r.lost).slice(0, 1).forEach((e) => out.push({ op: (e as { missingIn?: unknown }).missingIn, why: 'read that lost an element' }));
  if (r.firstError && typeof r.firstError === 'object') out.push({ op: (r.firstError as { op?: unknown }).op, why: 'first bad read' });
  if (Array.isArray(r.series)) list(r.errors).slice(0, 1).forEach((e) => out.push({ op: (e as { op?: unknown }).op, why: 'read outside its bounds' }));
  if (typeof r.violations === 'object' && r.violations !== null) {
    for (const [guarantee, v] of Object.entries(r.violations)) out.push({ op: (list(v)[0] as { read?: unknown } | undefined)?.read, why: `first ${guarantee} violation` });
  }
  list(r.unexplained).slice(0, 1).forEach((u) => out.push({ op: (u as { read?: unknown }).read, why: 'final read the ops do not explain' }));
  return out.filter((w): w is { op: WitnessOp; why: string } => isWitnessOp(w.op));
}
